"""Trusted helpers that hidden tests run *inside* a worker, next to the student's objects.

They build inputs that cannot cross the boundary (a DataLoader, a model, a function to
differentiate) and report facts about student objects as plain data. A suite imports the helpers
it needs and passes them as objects, which ruff and an editor can check::

    from autograder.scenarios import common
    facts = worker.run(common.parameter_facts, model)

``common`` is shared; ``aNN_topic`` belongs to ``test_aNN_topic.py``; ``preflight`` is the students'
check's. Every module here is imported by the worker before the student's code (see
:mod:`autograder.harness.isolation.worker`), so a helper is the grader's own code even after a
submission rewrote ``sys.modules``; a worker can only run helpers from this package (or PyTorch and
the standard library by name).
"""

import importlib
import pkgutil

# Every module of this package, imported now: a worker imports this package before any student code
# (worker.py), so all helpers are the grader's own. The students' handout ships preflight.py only.
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
