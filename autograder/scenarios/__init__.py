"""Trusted helpers that hidden tests run *inside* a worker, next to the student's objects.

They build inputs that cannot cross the boundary (a DataLoader, a model, a function to
differentiate) and report facts about student objects as plain data. A suite imports the helpers
it needs and passes them as objects, which ruff and an editor can check::

    from autograder.scenarios import common
    facts = worker.run(common.parameter_facts, model)

``common`` is shared; ``aNN_topic`` belongs to ``test_aNN_topic.py``. Every module here is
imported by the worker before the student's code (see :mod:`autograder.harness.isolation.worker`),
so a helper is the grader's own code even after a submission rewrote ``sys.modules``; a worker can
only run helpers from this package (or PyTorch and the standard library by name).
"""

from autograder.scenarios import (  # noqa: F401 - imported here so that a worker preloads them all
    a05_autograd,
    a06_training,
    a07_data,
    a08_seq2seq,
    a09_transformers,
    common,
    preflight,
)
