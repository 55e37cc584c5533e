"""The ``course`` command: release the notebooks, build the learner's workspace, open
JupyterLab, download CIFAR-10, list the tasks."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from checker.course import PROJECT_ROOT, CourseError


def _cmd_tasks(args) -> int:
    from checker import tasks

    for task_id in tasks():
        print(task_id)
    return 0


def _cmd_release(args) -> int:
    from checker.course import release

    release_dir = release([args.assignment] if args.assignment else None)
    print(f"Student version written to {release_dir}")
    return 0


def _cmd_workspace(args) -> int:
    from checker.course import build_workspace

    result = build_workspace(Path(args.dir), build_root=Path(args.build_dir))
    print(result.summary())
    return 0


def jupyter_lab_command(workspace: Path) -> list[str]:
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or shutil.which("jupyter") or "jupyter"
    command = [jupyter, "lab", f"--notebook-dir={workspace}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses to run as root without it
    return command


def _cmd_lab(args) -> int:
    from checker.course import build_workspace

    workspace = Path(args.dir)
    print(build_workspace(workspace, build_root=Path(args.build_dir)).summary())
    command = jupyter_lab_command(workspace) + list(args.jupyter_args)
    print("Starting:", " ".join(command))
    os.execv(command[0], command)
    return 0  # not reached


def _cmd_download(args) -> int:
    from checker.download import DownloadError, download

    try:
        folder = download(args.dataset, dest=Path(args.dest) if args.dest else None, url=args.url, quiet=args.quiet)
    except (DownloadError, ValueError) as exc:
        print(f"course download: {exc}", file=sys.stderr)
        return 1
    print(f"{args.dataset} is ready in {folder}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description="Deep learning from scratch in NumPy: course tools.")
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("tasks", help="list every task id in course order")
    p.set_defaults(run=_cmd_tasks)

    p = commands.add_parser("release", help="generate the student version (nbgrader) of one or all assignments into release/")
    p.add_argument("assignment", nargs="?", help="e.g. 00_warmup (default: all)")
    p.set_defaults(run=_cmd_release)

    p = commands.add_parser("workspace", help="create or update your workspace without overwriting your edits")
    p.add_argument("--dir", default=str(PROJECT_ROOT / "workspace"), help="workspace folder (default: workspace/)")
    p.add_argument("--build-dir", default=str(PROJECT_ROOT / ".course-build"),
                   help="where nbgrader builds the release first (default: .course-build/)")
    p.set_defaults(run=_cmd_workspace)

    p = commands.add_parser("lab", help="update the workspace, then open it in JupyterLab")
    p.add_argument("--dir", default=str(PROJECT_ROOT / "workspace"), help="workspace folder (default: workspace/)")
    p.add_argument("--build-dir", default=str(PROJECT_ROOT / ".course-build"),
                   help="where nbgrader builds the release first (default: .course-build/)")
    p.add_argument("jupyter_args", nargs=argparse.REMAINDER, help="extra arguments for jupyter lab (after --)")
    p.set_defaults(run=_cmd_lab)

    p = commands.add_parser("download", help="download a dataset that is too large to ship (cifar10)")
    p.add_argument("dataset", help="cifar10")
    p.add_argument("--dest", help="target folder (default: datasets/)")
    p.add_argument("--url", help="alternative download address (a mirror)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=_cmd_download)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "jupyter_args", None) and args.jupyter_args[0] == "--":
        args.jupyter_args = args.jupyter_args[1:]
    try:
        return args.run(args)
    except CourseError as exc:
        print(f"course {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
