"""The ``course`` command: release the notebooks, build the learner's workspace, open
JupyterLab, download CIFAR-10, list the tasks; for instructors, grade submissions in a
sandbox, generate feedback and export grades."""

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
    from checker.grading.gradebook import source_folder
    from checker.grading.secret import SecretError, ensure_secret

    course_root = Path(args.course_dir) if args.course_dir else None
    release_dir = release([args.assignment] if args.assignment else None, course_root=course_root,
                          source_dir=source_folder(course_root) if course_root else None)
    try:
        secret = ensure_secret(course_root or PROJECT_ROOT)
    except SecretError as exc:
        raise CourseError(str(exc)) from None
    print(f"Student version written to {release_dir}")
    print(f"Grading secret: {secret} (keep it; never share or commit it)")
    return 0


def _cmd_grade(args) -> int:
    from checker.grading.course_grade import grade_assignment
    from checker.grading.secret import SecretError

    try:
        run = grade_assignment(args.assignment, Path(args.course_dir), submissions=args.submissions,
                               students=args.student, jobs=args.jobs, progress=not args.quiet,
                               use_cache=not args.no_cache, cluster=args.cluster, timestamp=args.timestamp,
                               roster=args.roster)
    except SecretError as exc:
        raise CourseError(str(exc)) from None
    print(run.summary())
    rejected = run.imported.rejected if run.imported is not None else []
    return 1 if run.failed or rejected else 0


def _cmd_feedback(args) -> int:
    from checker.grading.gradebook import generate_feedback

    folder = generate_feedback(args.assignment, Path(args.course_dir), students=args.student)
    print(f"Feedback written to {folder}/<student>/{args.assignment}/")
    return 0


def _cmd_export(args) -> int:
    from checker.grading.gradebook import export_grades

    to = Path(args.to) if args.to else Path(args.course_dir) / "grades.csv"
    print(f"Grades exported to {export_grades(to, Path(args.course_dir), assignments=args.assignment)}")
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


def learner_environment(build_dir: Path) -> dict:
    """The environment of the learner's JupyterLab: the course's learner configuration first on
    JUPYTER_CONFIG_PATH (no instructor menus, no formgrader; ``checker.course.learner_jupyter_config``)."""
    from checker.course import learner_jupyter_config

    folder = str(learner_jupyter_config(build_dir))
    rest = [p for p in os.environ.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p and p != folder]
    return {"JUPYTER_CONFIG_PATH": os.pathsep.join([folder, *rest])}


def _cmd_lab(args) -> int:
    from checker.course import _put_environment_on_path, build_workspace

    workspace = Path(args.dir)
    print(build_workspace(workspace, build_root=Path(args.build_dir)).summary())
    command = jupyter_lab_command(workspace) + list(args.jupyter_args)
    print("Starting:", " ".join(command))
    _put_environment_on_path()  # JupyterLab's terminals then find `course` (course download cifar10)
    os.environ.update(learner_environment(Path(args.build_dir)))
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
    p.add_argument("--course-dir", help="nbgrader course folder (default: the project root)")
    p.set_defaults(run=_cmd_release)

    p = commands.add_parser("grade", help="instructors: grade every submission of an assignment in a sandbox "
                                          "and write the grades into nbgrader's gradebook")
    p.add_argument("assignment", help="e.g. 00_warmup")
    p.add_argument("--submissions", metavar="PATH",
                   help="a folder or .zip of <student_id>.ipynb files to import into submitted/ first "
                        "(then only those students are graded)")
    p.add_argument("--jobs", type=int, default=None, help="submissions graded in parallel (default: CPU count)")
    p.add_argument("--timestamp", metavar="TIME",
                   help="submission time of the imported notebooks, e.g. '2026-11-20 08:15' (default: each zip "
                        "entry's own time; none for a folder)")
    p.add_argument("--roster", metavar="CSV",
                   help="nbgrader's student CSV (id,first_name,last_name,email): names for the gradebook")
    p.add_argument("--cluster", metavar="ADDRESS",
                   help="grade on a Dask cluster: a scheduler address (tcp://HOST:8786), or local[:N] for N worker "
                        "processes here (default: $COURSE_DASK_SCHEDULER, else the local process pool)")
    p.add_argument("--student", nargs="+", metavar="ID", help="grade only these students")
    p.add_argument("--no-cache", action="store_true", help="grade again even the submissions graded before")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--course-dir", default=str(PROJECT_ROOT), help="nbgrader course folder (default: the project root)")
    p.set_defaults(run=_cmd_grade)

    p = commands.add_parser("feedback", help="instructors: nbgrader generate_feedback (HTML reports) into feedback/")
    p.add_argument("assignment", help="e.g. 00_warmup")
    p.add_argument("--student", nargs="+", metavar="ID", help="only these students")
    p.add_argument("--course-dir", default=str(PROJECT_ROOT), help="nbgrader course folder (default: the project root)")
    p.set_defaults(run=_cmd_feedback)

    p = commands.add_parser("export", help="instructors: export the gradebook to CSV (nbgrader's CSV exporter)")
    p.add_argument("--to", help="CSV file to write (default: grades.csv in the course folder)")
    p.add_argument("--assignment", nargs="+", metavar="NAME", help="only these assignments")
    p.add_argument("--course-dir", default=str(PROJECT_ROOT), help="nbgrader course folder (default: the project root)")
    p.set_defaults(run=_cmd_export)

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
