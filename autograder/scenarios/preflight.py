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


class _Checker(doctest.OutputChecker):
    """doctest's, except that an example expecting no output passes whatever it prints (progress
    lines such as the tutorial's ``Epoch [20/60], Loss: ...`` are the student's choice)."""

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        return not want or super().check_output(want, got, optionflags)


def _runner() -> doctest.DocTestRunner:
    return doctest.DocTestRunner(checker=_Checker(), optionflags=FLAGS)


def _examples(name: str, docstring: str, globs: dict) -> list[doctest.DocTest]:
    test = doctest.DocTestParser().get_doctest(docstring, globs, name, f"{name}'s docstring", 0)
    return [test] if test.examples else []


def run_examples(module: Any, name: str, docstring: str) -> dict:
    """Run the examples of ``docstring`` (the one the course handed out for ``name``, whatever the
    student's copy says) against the student's module: how many ran, failed, and the report of the
    first failures (doctest's own words: the example, what was expected, what came)."""
    out = io.StringIO()
    runner = _runner()
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
    runner = _runner()
    for test in _examples(name, docstring, globs):
        runner.run(test, out=lambda _text: None, clear_globs=True)
    return calls


def _record(module: Any, name: str, docstring: str, limit: int) -> list:
    """``[(fn, args, kwargs), ...]``: calls the examples make to ``name`` (for an ``nn.Module``
    class, to its instances' forward), each copied at the call with everything it holds."""
    calls: list = []
    original = getattr(module, name)
    globs = dict(vars(module))
    if isinstance(original, type) and issubclass(original, torch.nn.Module):
        forward = original.forward

        def recording_forward(self: Any, *args: Any, **kwargs: Any) -> Any:
            if len(calls) < limit:
                calls.append(copy.deepcopy((forward, [self, *args], kwargs)))
            return forward(self, *args, **kwargs)

        original.forward = recording_forward
    else:
        forward = None

        def recorder(*args: Any, **kwargs: Any) -> Any:
            if len(calls) < limit:
                try:
                    calls.append((original, *copy.deepcopy((list(args), kwargs))))
                except Exception:  # noqa: BLE001, S110 - a generator of parameters: not replayable
                    pass
            return original(*args, **kwargs)

        globs[name] = recorder
    try:
        runner = _runner()
        for test in _examples(name, docstring, globs):
            runner.run(test, out=lambda _text: None, clear_globs=True)
    finally:
        if forward is not None:
            original.forward = forward
    return calls


def _to(value: Any, device: str) -> Any:
    """Tensors and modules (in lists, tuples and dicts too) moved to ``device``; a module moves in
    place, so an optimizer built on it still holds its parameters."""
    if isinstance(value, torch.Tensor):
        moved = value.detach().to(device)
        return moved.requires_grad_(value.requires_grad) if value.is_leaf else moved
    if isinstance(value, torch.nn.Module):
        return value.to(device)
    if type(value) in (list, tuple):
        return type(value)(_to(v, device) for v in value)
    if type(value) is dict:
        return {k: _to(v, device) for k, v in value.items()}
    return value


def _comparable(value: Any) -> Any:
    """What crosses back to be compared: tensors, numbers and containers as they are, a module as
    its ``state_dict``, strings and other objects as None (they may differ by design)."""
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, torch.nn.Module):
        return {key: t.detach() for key, t in value.state_dict().items()}
    if value is None or type(value) in (bool, int, float):
        return value
    if type(value) in (list, tuple):
        return type(value)(_comparable(v) for v in value)
    if type(value) is dict:
        return {str(k): _comparable(v) for k, v in value.items()}
    return None


def _modules_only(value: Any, device: str) -> Any:
    if isinstance(value, torch.nn.Module):
        return value.to(device)
    if type(value) in (list, tuple):
        return type(value)(_modules_only(v, device) for v in value)
    return value


def device_pairs(
    module: Any, name: str, docstring: str, device: str, takes_device: bool, data_stays: bool, limit: int = 2
) -> list:
    """For the first calls the examples make to ``name``: ``(on_cpu, on_device)``, each the result
    and the modules passed in (after the call), as plain data. The device half gets the same
    arguments with every tensor and module moved to ``device`` (``device=device`` too, when the
    function takes it; with ``data_stays``, for functions that move batches to the model's device
    themselves, only the modules move); both start from the same random seed. An error in the device half propagates
    with the student's traceback; an error in the CPU half ends the check (the examples show it)."""
    pairs = []
    for fn, args, kwargs in _record(module, name, docstring, limit):
        halves = []
        for where in ("cpu", device):
            call_args, call_kwargs = copy.deepcopy((args, kwargs))
            if where != "cpu":
                move = _modules_only if data_stays else _to
                call_args, call_kwargs = move(call_args, where), move(call_kwargs, where)
            if takes_device:
                call_kwargs["device"] = where
            torch.manual_seed(0)
            if where == "cpu":
                try:
                    result = fn(*call_args, **call_kwargs)
                except Exception:  # noqa: BLE001 - wrong on the CPU already: the examples say so
                    break
            else:
                result = fn(*call_args, **call_kwargs)
            modules = [a for a in call_args if isinstance(a, torch.nn.Module)]
            halves.append(_comparable({"result": result, "modules": modules}))
        if len(halves) == 2:
            pairs.append(tuple(halves))
    return pairs
