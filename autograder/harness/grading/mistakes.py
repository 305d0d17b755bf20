"""Known mistakes: when a value is wrong, say *why*, if the wrong value is a known one.

A suite keeps a :class:`Catalogue` of plausible wrong computations for each function: a short id,
a message naming the cause and the fix, and the wrong computation itself, written with trusted
code in the grading process. When a check fails, the suite evaluates the catalogue on the same
hidden inputs; when the student's value matches an entry (same shape, close values), the feedback
names it and the test's results.json entry carries ``extra_data: {"diagnosis": id}``. Nothing
matches: nothing is guessed. The hidden expected value is never shown.

A suite author writes::

    KNOWN = Catalogue()

    @KNOWN.mistake("standardize", "population_std",
                   "matches the population standard deviation (unbiased=False); torch.std is unbiased, as asked")
    def _(mat):
        return (mat - mat.mean()) / mat.std(unbiased=False)

    expect_tensor(student.standardize(x), expected, mistakes=KNOWN.of("standardize", x))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class Mistake:
    id: str  # short and stable: it is counted across a class (misconceptions.csv)
    message: str  # the cause and the fix, for the student
    compute: Callable[..., Any]  # the wrong computation, on the test's own inputs


class Catalogue:
    """The known mistakes of one assignment, by function."""

    def __init__(self) -> None:
        self._entries: dict[str, list[Mistake]] = {}

    def mistake(self, function: str, id: str, message: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register the decorated wrong computation for ``function``."""

        def register(compute: Callable[..., Any]) -> Callable[..., Any]:
            self._entries.setdefault(function, []).append(Mistake(id, message, compute))
            return compute

        return register

    def entries(self, function: str) -> list[Mistake]:
        return list(self._entries.get(function, ()))

    def of(self, function: str, *args: Any, **kwargs: Any) -> Callable[[Any], Mistake | None]:
        """A matcher for a check: given the student's value, the first known mistake of
        ``function`` that computes it from these inputs, or None. Evaluated only on failure."""

        def match(got: Any) -> Mistake | None:
            return diagnose(self.entries(function), got, *args, **kwargs)

        return match


def diagnose(entries: list[Mistake], got: Any, *args: Any, **kwargs: Any) -> Mistake | None:
    for entry in entries:
        try:
            candidate = entry.compute(*args, **kwargs)
        except Exception:  # noqa: BLE001 - a wrong computation that cannot run on these inputs
            continue
        if same_value(got, candidate):
            return entry
    return None


def same_value(got: Any, candidate: Any) -> bool:
    """Close enough to say the student computed ``candidate`` (shape, dtype, and values to 1e-4)."""
    if isinstance(candidate, torch.Tensor):
        if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(candidate.shape):
            return False
        if got.dtype != candidate.dtype:  # a dtype slip is named by the dtype check, not guessed here
            return False
        a, b = got.detach().to("cpu"), candidate.detach().to("cpu")
        if not (a.is_floating_point() or b.is_floating_point()):
            return bool((a.to(torch.int64) == b.to(torch.int64)).all())
        return bool(torch.isclose(a.double(), b.double(), rtol=1e-4, atol=1e-5, equal_nan=True).all())
    if isinstance(candidate, list | tuple):
        return (
            isinstance(got, list | tuple)
            and len(got) == len(candidate)
            and all(same_value(g, c) for g, c in zip(got, candidate, strict=True))
        )
    if isinstance(candidate, dict):  # the candidate's keys (a batch): extra keys of got are not judged here
        return isinstance(got, dict) and all(k in got and same_value(got[k], v) for k, v in candidate.items())
    if isinstance(candidate, float) and isinstance(got, int | float):
        return abs(got - candidate) <= 1e-4 * max(1.0, abs(candidate))
    return type(got) is type(candidate) and got == candidate
