"""nbgrader configuration of the course: ``nbgrader`` and ``course`` both read it.

Run nbgrader commands from the project root. Source notebooks live in
``notebooks/<assignment>/<assignment>.ipynb``; everything nbgrader generates
(release/, submitted/, autograded/, feedback/, gradebook.db) is git-ignored.

Autograding never runs a submission next to the tests: ``Autograde.autograde_preprocessors``
below puts ``TrustedResults`` in place of nbgrader's ``Execute`` and ``SaveTrustedAutoGrades`` in
place of ``SaveAutoGrades`` (checker/grading/preprocessors.py). So ``course grade``,
``nbgrader autograde`` and the formgrader's Autograde button all grade through the sandboxed
trusted grader. Where the checker cannot be imported (nbgrader started from another Python
environment), autograding refuses and says to use ``course grade``.
"""
c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "dl-from-scratch-numpy"
c.CourseDirectory.source_directory = "notebooks"
c.CourseDirectory.release_directory = "release"

# The released stub: the check cell under each exercise then reports `not_implemented`.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Learners' notebooks may train small models: allow a generous time per cell.
c.ExecutePreprocessor.timeout = 300

# Folders (nbgrader's defaults, spelled out because `course grade` and the README rely on them).
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"

# A submission that prints megabytes keeps only this much in autograded/ and feedback/.
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100

# Late submissions: no penalty by default. With due dates set (`nbgrader db assignment add NAME --duedate=...`)
# and nbgrader's timestamp.txt in each submission, `c.LateSubmissionPlugin.penalty_method = "zero"` gives
# late work 0 points (or write your own plugin and set c.AssignLatePenalties.plugin_class).
c.LateSubmissionPlugin.penalty_method = "none"

# Where nbgrader executes a notebook itself (`nbgrader validate`), no saved widget state: exported HTML
# shows the explorers' static tables (notebook 08) instead of an empty widget view.
c.Execute.store_widget_state = False

# The course hands notebooks out through the workspace and zips, not nbgrader's exchange; a folder of the
# course's own stands for it, so the formgrader shows no "exchange directory does not exist" banner.
import os as _os

c.Exchange.root = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), ".course-build", "exchange")
_os.makedirs(c.Exchange.root, exist_ok=True)

# Autograding through the trusted grader (see the docstring at the top).
try:
    from checker.grading.preprocessors import AUTOGRADE_PREPROCESSORS, SANITIZE_PREPROCESSORS

    c.Autograde.sanitize_preprocessors = list(SANITIZE_PREPROCESSORS)  # grade cells as the source declares them
    # Formulas offline: nbgrader's formgrade and feedback pages load MathJax from a CDN; the course's
    # base/mathjax.html.j2 (checker/grading/page_templates) loads the copy jupyter-server-mathjax serves.
    import checker.grading as _grading
    import nbgrader as _nbgrader

    c.HTMLExporter.extra_template_basedirs = [
        _os.path.join(_os.path.dirname(_nbgrader.__file__), "server_extensions", "formgrader", "templates"),
        _os.path.join(_os.path.dirname(_grading.__file__), "page_templates"),
    ]
except ImportError as _missing:  # nbgrader from an environment without the course's checker: refuse, never Execute
    from nbgrader.preprocessors import NbGraderPreprocessor

    _WHY = str(_missing)

    class RefuseUntrustedAutograde(NbGraderPreprocessor):
        """Stands in for ``Execute`` when the trusted grader is not importable."""

        def preprocess(self, nb, resources):
            raise RuntimeError(
                "this course is autograded only by its trusted grader, which this Python environment lacks "
                f"({_WHY}): run `course grade <assignment>` (.venv/bin/course, made by `make venv`) "
                "from the project root instead")

    AUTOGRADE_PREPROCESSORS = [RefuseUntrustedAutograde]
c.Autograde.autograde_preprocessors = list(AUTOGRADE_PREPROCESSORS)
# A grade cell the submission lacks (deleted, or renamed by the learner) is added back from the source.
c.OverwriteCells.add_missing_cells = True
