"""The formgrader shows formulas offline: its grading page typesets the notebook's LaTeX with the MathJax
that jupyter-server-mathjax serves, and asks nothing of the internet.

A course folder with one graded submission of 00_warmup, a real Jupyter server with nbgrader's
formgrader, and headless Chromium whose every request to another host is refused (as on a machine
without a network). Skipped like the widget test when Chromium or Playwright is missing, unless
COURSE_REQUIRE_BROWSER=1. A screenshot goes to ``test-artifacts/formgrader_offline.png``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
import urllib.parse
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from checker.cli import main as course
from checker.course import PROJECT_ROOT
from jupyter_servers import free_port, running
from test_browser_widgets import ARTIFACTS, CHROMIUM, sync_playwright  # noqa: F401 (a fixture)

pytestmark = pytest.mark.slow

A = "00_warmup"
BIN = Path(sys.executable).parent
TYPESET = "document.querySelectorAll('.MathJax_CHTML, .MathJax, .MathJax_SVG').length"  # formulas MathJax has rendered


@pytest.fixture
def graded_course(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(PROJECT_ROOT / "notebooks" / A, root / "notebooks" / A)
    shutil.copy(PROJECT_ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    assert course(["release", A, "--course-dir", str(root)]) == 0
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    nbformat.write(nbformat.read(str(root / "notebooks" / A / f"{A}.ipynb"), as_version=4), str(incoming / "alice.ipynb"))
    assert course(["grade", A, "--submissions", str(incoming), "--quiet", "--course-dir", str(root)]) == 0
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return root, gb.find_submission_notebook(A, A, "alice").id


@pytest.fixture
def formgrader(graded_course, tmp_path):
    root, submission_id = graded_course
    port, token = free_port(), secrets.token_hex(16)
    command = [str(BIN / "jupyter"), "server", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    env = dict(os.environ, PATH=str(BIN) + os.pathsep + os.environ.get("PATH", ""))
    base = f"http://127.0.0.1:{port}"
    with running(command, url=base, token=token, cwd=root, env=env, log_path=tmp_path / "server.log"):
        yield f"{base}/formgrader/submissions/{submission_id}/?token={token}"


def test_the_grading_page_typesets_formulas_without_the_internet(sync_playwright, formgrader):  # noqa: F811
    refused, loaded = [], []

    def offline(route):
        host = urllib.parse.urlsplit(route.request.url).hostname
        if host == "127.0.0.1":
            loaded.append(route.request.url)
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"] if os.geteuid() == 0 else [])
        try:
            page = browser.new_page()
            page.route("**/*", offline)
            page.goto(formgrader)
            page.wait_for_function(f"() => {TYPESET} > 0", timeout=60_000)
            typeset = page.evaluate(f"() => {TYPESET}")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "formgrader_offline.png"), full_page=False)
        finally:
            browser.close()
    assert typeset > 0
    assert any("/static/jupyter_server_mathjax/MathJax.js" in url for url in loaded), loaded
    assert not [url for url in refused if "mathjax" in url.lower()], refused
