"""Is the student's code vectorised? Two checks, both run by ``vectorised`` tests.

1. **Op count (deterministic).** The call runs once on a small input and once on a 4x larger one
   under a counting dispatch mode (:class:`autograder.worker.OpCounter`). Vectorised code dispatches
   the same handful of ATen ops whatever the size; a Python loop over elements or rows dispatches
   about 4x more on the 4x input. The count may grow a little (``torch.cdist`` switches algorithm
   with size: 2 ops, then 7) but not double, and must stay under ``max_ops``, a per-function bound
   set at several times the reference's count so other correct styles fit.
2. **Time against the reference, same run, same machine.** Only for code that passed (1): it
   catches slow Python hidden behind few ops (``.tolist()`` then list arithmetic). The best of a
   few rounds of each, alternating, must be within ``RATIO`` times the reference, or under
   ``FLOOR_S`` in absolute terms. Both are generous on purpose: a correct style must never fail
   because the machine was busy (tests/test_vectorised.py measures the reference against itself
   with the other core loaded). Size timing inputs so the reference takes about a millisecond:
   then any vectorised style, even one that allocates a few extra full-size buffers, stays under
   the floor, while Python-level work on ~10^5 elements takes tens of milliseconds or more. (On
   a 2048x2048 output, a zeros buffer plus two adds measured 11x the reference: vectorised, but
   memory-bound, so the ratio alone would fail it.)
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from autograder.checks import fail
from autograder.remote import Remote

RATIO = 10.0  # a loop over 512x512 elements is 100x-1000x slower; noise is well under 3x
FLOOR_S = 0.005  # below 5 ms per call nobody waits, whatever the ratio
ROUNDS = 3
GROWTH_SLACK = 16  # ops a library call may add on a bigger input (algorithm switches)


def total(counts: Mapping[str, int]) -> int:
    return sum(counts.values())


def expect_vectorised(
    fn: Remote,
    small: tuple,
    large: tuple,
    *,
    max_ops: int,
    reference: Remote | None = None,
    timing: tuple | None = None,
) -> None:
    """``fn(*large)`` must dispatch no more ops than ``fn(*small)``, at most ``max_ops``, and, when the
    ``reference`` module (the ``reference`` fixture) and ``timing`` inputs are given, run within
    RATIO of the time of the reference's function of the same name."""
    name = fn._name
    few, many = total(fn.count_ops(*small)), total(fn.count_ops(*large))
    if many > max(2 * few, few + GROWTH_SLACK):
        fail(
            f"is not vectorised: it dispatched {few} tensor operations on the small input and {many} on "
            "a 4x larger one. Replace Python loops over elements or rows with whole-tensor operations.",
            name,
        )
    if many > max_ops:
        fail(
            f"dispatched {many} tensor operations for one call; a vectorised solution needs far fewer "
            f"(at most {max_ops} are allowed). Look for loops or repeated work.",
            name,
        )
    if reference is not None and timing is not None:
        expect_fast(fn, getattr(reference, fn._path[-1]), timing)


def expect_fast(fn: Remote, reference: Remote, args: tuple) -> None:
    """Best-of-ROUNDS time per call within RATIO x the reference's (or under FLOOR_S)."""
    student_args, reference_args = _resident(fn, args), _resident(reference, args)
    fn.time_per_call(*student_args, repeat=1)  # warm up both (first-call costs are not the student's)
    reference.time_per_call(*reference_args, repeat=1)
    theirs, ours = [], []
    for _ in range(ROUNDS):
        ours.append(reference.time_per_call(*reference_args, repeat=3))
        theirs.append(fn.time_per_call(*student_args, repeat=3))
    student_s, reference_s = min(theirs), min(ours)
    if student_s > max(RATIO * reference_s, FLOOR_S):
        fail(
            f"is too slow: {student_s * 1e3:.1f} ms per call on a large input, where the reference takes "
            f"{reference_s * 1e3:.2f} ms ({student_s / reference_s:.0f}x; up to {RATIO:g}x is allowed). "
            "Avoid Python-level loops and conversions such as .tolist() or .item() per element.",
            fn._name,
        )


def _resident(fn: Remote, args: tuple) -> tuple:
    """Tensor arguments copied into ``fn``'s worker once, so timing never includes their transfer."""
    return tuple(fn._worker.make("torch.clone", a) if isinstance(a, torch.Tensor) else a for a in args)


def expect_not_calling(fn: Remote, args: tuple, banned: Mapping[str, str]) -> None:
    """The call must not dispatch any op in ``banned`` (ATen op name -> what the student wrote)."""
    counts = fn.count_ops(*args)
    used = [what for op, what in banned.items() if counts.get(op)]
    if used:
        fail(f"must be written from scratch, but it calls {' / '.join(sorted(set(used)))}", fn._name)
