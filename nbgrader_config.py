"""nbgrader's settings for this course (read by the nbgrader command run from the repository root).

The settings themselves, and why each is needed, are in ``autograder/harness/notebooks/release.py``.
"""

from autograder.harness.notebooks.release import configure_nbgrader

c = get_config()  # noqa: F821 - nbgrader's config loader provides get_config
configure_nbgrader(c)
