"""Helpers the students' public check (``python -m autograder check``) runs inside a worker.

Public on purpose: they hold no hidden input and no solution. They run the ``>>>`` examples of a
student's docstring and record the arguments the examples pass, which the check then reuses as
public inputs for the device and vectorisation checks.
"""

from __future__ import annotations

import copy
import doctest
import io
from typing import Any

import torch

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _examples(name: str, docstring: str, globs: dict) -> list[doctest.DocTest]:
    test = doctest.DocTestParser().get_doctest(docstring, globs, name, f"{name}'s docstring", 0)
    return [test] if test.examples else []


def run_examples(module: Any, name: str, docstring: str) -> dict:
    """Run the examples of ``docstring`` (the one the course handed out for ``name``, whatever the
    student's copy says) against the student's module: how many ran, failed, and the report of the
    first failures (doctest's own words: the example, what was expected, what came)."""
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in _examples(name, docstring, dict(vars(module))):
        runner.run(test, out=out.write, clear_globs=True)
    report = out.getvalue()
    return {
        "tried": runner.tries,
        "failed": runner.failures,
        "not_implemented": "NotImplementedError" in report,
        "report": report[:3000],
    }


def _plain(value: Any) -> bool:
    """Values that cross to the grading process as data: tensors, numbers, strings, containers."""
    if isinstance(value, torch.Tensor):
        return True
    if value is None or type(value) in (bool, int, float, str):
        return True
    if type(value) in (list, tuple):
        return all(_plain(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    return False


def example_calls(module: Any, name: str, docstring: str, limit: int = 4) -> list:
    """``[(args, kwargs), ...]``: what the examples pass to ``module.<name>``, copied at the call,
    for the calls whose arguments are plain data (a model or a loader stays here)."""
    calls: list = []
    original = getattr(module, name)

    def recorder(*args: Any, **kwargs: Any) -> Any:
        if len(calls) < limit and _plain(args) and _plain(kwargs):
            calls.append(copy.deepcopy((list(args), kwargs)))
        return original(*args, **kwargs)

    globs = dict(vars(module))
    globs[name] = recorder
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in _examples(name, docstring, globs):
        runner.run(test, out=lambda _text: None, clear_globs=True)
    return calls
