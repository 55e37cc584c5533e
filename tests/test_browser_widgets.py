"""The convolution explorer of notebook 08 in a real browser.

Starts JupyterLab on a temporary copy of the SOURCE notebook (so every cell runs), opens it in
headless Chromium through Playwright, runs all cells from the Run menu, then moves the explorer's
sliders with the keyboard, types into a slider's text box and clicks its buttons, and checks that the
displayed output size, formula and parameter count change to the values the reference computes.
A screenshot goes to ``test-artifacts/08_conv_explorer.png``.

Skipped (with the reason) when Chromium or Playwright is missing, unless COURSE_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sys
import time
from pathlib import Path

import pytest

import checker.reference.shapes as ref
from jupyter_servers import free_port, running

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "08_shapes" / "08_shapes.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("COURSE_REQUIRE_BROWSER") == "1"


def _unavailable(reason):
    if REQUIRED:
        pytest.fail(f"COURSE_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def sync_playwright():
    """Playwright's entry point, or a skip (a failure under COURSE_REQUIRE_BROWSER=1) with the reason."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (set COURSE_CHROMIUM to another binary)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    return sync_playwright


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server on a copy of the source notebook; yields (url, token, start time); killed afterwards."""
    launched = time.perf_counter()
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    port, token = free_port(), secrets.token_hex(16)
    jupyter = Path(sys.executable).with_name("jupyter")
    command = [str(jupyter), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.password=",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(tmp_path / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"), PYTHONPATH=str(ROOT))
    # no "Jupyter news?" toast over the page
    notification = tmp_path / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text('{"fetchNews": "false", "checkForUpdates": false}')
    url = f"http://127.0.0.1:{port}"
    with running(command, url=url, token=token, cwd=root, env=env, log_path=tmp_path / "lab.log", what="JupyterLab"):
        yield url, token, launched


def _number(text):
    return int(text.replace(",", "").strip())


@pytest.mark.slow
def test_conv_explorer_in_jupyterlab(sync_playwright, lab):
    started = time.perf_counter()
    url, token, launched = lab
    ARTIFACTS.mkdir(exist_ok=True)
    values = {"n": 8, "f": 3, "p": 0, "s": 2, "d": 1, "c_in": 3, "c_out": 8}  # the notebook's explorer cell

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/lab/tree/{NOTEBOOK.name}?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            # the status bar says "Python 3 (ipykernel) | Idle" once the kernel is up
            page.get_by_text(re.compile(r"\|\s*Idle")).first.wait_for(timeout=60_000)
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()

            explorer = page.locator(".conv-explorer")
            explorer.wait_for(state="attached", timeout=90_000)
            explorer.scroll_into_view_if_needed()
            size = page.locator(".conv-explorer .conv-output-size")
            formula = page.locator(".conv-explorer .conv-formula")
            params = page.locator(".conv-explorer .conv-params")
            size.wait_for(timeout=30_000)

            def expect(label):
                out = ref.conv_output_size(values["n"], values["f"], values["p"], values["s"], values["d"])
                want = ref.conv_params(values["f"], values["c_in"], values["c_out"])
                filled = (f"({values['n']} + 2*{values['p']} - {values['d']}*({values['f']} - 1) - 1) / {values['s']}")
                deadline = time.time() + 45  # a loaded machine runs the cells slowly
                while True:
                    try:
                        got = (_number(size.inner_text(timeout=2000)), formula.inner_text(timeout=2000),
                               _number(params.inner_text(timeout=2000)))
                    except Exception:  # the read-out is being replaced
                        got = None
                    if got and got[0] == out and filled in got[1] and got[1].endswith(f"= {out}") and got[2] == want:
                        return
                    if time.time() > deadline:
                        raise AssertionError(f"{label}: expected output {out}, formula with {filled!r}, "
                                             f"{want} parameters for {values}; the page shows {got}")
                    time.sleep(0.2)

            expect("initial state")

            def press(key, name, times):
                """One key press at a time, each confirmed by the slider's own read-out and the
                explorer's output (a second press before the kernel's echo could be overwritten)."""
                handle = page.locator(f".conv-explorer .conv-slider-{name} .noUi-handle")
                readout = page.locator(f".conv-explorer .conv-slider-{name} .widget-readout")
                for _ in range(times):
                    handle.focus()
                    handle.press(key)
                    values[name] += 1 if key == "ArrowRight" else -1
                    deadline = time.time() + 10
                    while readout.inner_text().strip() != str(values[name]):
                        if time.time() > deadline:
                            raise AssertionError(f"slider {name} shows {readout.inner_text()!r} after {key}, "
                                                 f"expected {values[name]}")
                        time.sleep(0.1)
                    try:
                        ref.conv_output_size(values["n"], values["f"], values["p"], values["s"], values["d"])
                    except ValueError:  # an impossible setting on the way: the explorer shows a message
                        page.locator(".conv-explorer .conv-error").wait_for(timeout=10_000)
                        continue
                    expect(f"{name} -> {values[name]}")

            press("ArrowRight", "n", 2)          # n = 10: (10 - 3) / 2 leaves a column
            expect("n moved right twice")
            assert page.locator(".conv-explorer .conv-warning").count() == 1, "no warning for an uneven stride"
            press("ArrowRight", "c_out", 2)      # 10 filters 3 x 3 x 3: the notes' 280
            expect("filters moved right twice")
            assert _number(params.inner_text()) == 280
            explorer.scroll_into_view_if_needed()
            explorer.screenshot(path=str(ARTIFACTS / "08_conv_explorer.png"))

            press("ArrowLeft", "s", 1)           # stride 1
            expect("stride moved left")
            assert page.locator(".conv-explorer .conv-warning").count() == 0

            page.locator(".conv-explorer .conv-same").click()  # same padding for f = 3
            values["p"] = ref.same_padding(values["f"])
            expect("same button")
            assert _number(size.inner_text()) == values["n"], "same padding must keep the size at stride 1"

            # type a value into the slider's text box
            readout = page.locator(".conv-explorer .conv-slider-d .widget-readout")
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("3")
            page.keyboard.press("Enter")
            values["d"] = 3
            expect("dilation typed in")

            # an impossible setting: a message, not a traceback
            page.locator(".conv-explorer .conv-valid").click()
            values["p"] = 0
            readout = page.locator(".conv-explorer .conv-slider-n .widget-readout")
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("4")
            page.keyboard.press("Enter")
            values["n"] = 4
            error = page.locator(".conv-explorer .conv-error")
            error.wait_for(timeout=20_000)
            assert "larger than the padded input" in error.inner_text()
            assert "Traceback" not in page.locator(".conv-explorer").inner_text()

            # back to a valid state for the screenshot of the whole explorer
            press("ArrowRight", "n", 4)          # n = 8
            expect("n back to 8")
            explorer.screenshot(path=str(ARTIFACTS / "08_conv_explorer_dilated.png"))
        except BaseException:
            page.screenshot(path=str(ARTIFACTS / "08_failure.png"), full_page=False)
            raise
        finally:
            browser.close()
    seconds = time.perf_counter() - started
    print(f"browser test: {seconds:.1f} s in the browser, {time.perf_counter() - launched:.1f} s with the "
          f"JupyterLab start; screenshots in {ARTIFACTS}")
