"""nbgrader configuration of the course: ``nbgrader`` and ``course`` both read it.

Run nbgrader commands from the project root. Source notebooks live in
``notebooks/<assignment>/<assignment>.ipynb``; everything nbgrader generates
(release/, submitted/, autograded/, feedback/, gradebook.db) is git-ignored.

``course grade`` reads this file too and changes one thing for its own run only:
in ``Autograde.autograde_preprocessors`` it puts ``TrustedResults`` in place of
``Execute`` and ``SaveTrustedAutoGrades`` in place of ``SaveAutoGrades``
(checker/grading/nbgrader_glue.py), so the learner's code runs in the sandboxed
grader, never next to the tests. Plain ``nbgrader autograde`` keeps nbgrader's
defaults below.
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

# Plain `nbgrader autograde` executes notebooks: without saved widget state, exported HTML and feedback show
# the explorers' static tables (notebook 08) instead of an empty widget view.
c.Execute.store_widget_state = False
