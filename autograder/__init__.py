"""Autograder for the PyTorch-for-NLP course.

Where things are (a TA edits only the first two rows):

=====================================  =====================================================
``test_aNN_topic.py``                  the hidden suites: one per assignment
``scenarios/aNN_topic.py``             trusted helpers a suite runs inside the worker
``api.py``                             everything a suite imports (assertions, inputs, checks)
``harness/grading/``                   the pytest plugin, the checks, results and scores
``harness/isolation/``                 sandboxed worker processes and the wire between them
``harness/notebooks/``                 nbgrader release and notebook grading
``harness/commands/``                  ``python -m autograder ...`` (grade-all, gradescope, ...)
=====================================  =====================================================
"""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent  # this folder: the suites and the harness
REPO = PACKAGE.parent  # the course repository (solutions/, assignments/, release/)
