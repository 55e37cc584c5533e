"""nbgrader configuration of the course: ``nbgrader`` and ``course`` both read it.

Run nbgrader commands from the project root. Source notebooks live in
``notebooks/<assignment>/<assignment>.ipynb``; everything nbgrader generates
(release/, submitted/, autograded/, feedback/, gradebook.db) is git-ignored.
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
