"""Is the student's code vectorised? Decided from counts, never from the clock.

A grade is a pure function of (submission, seed): the verdict must not depend on how busy the
machine is. So the function runs once on a small input and once on a 4x larger one, and the worker
counts, deterministically, what each call did (:func:`autograder.harness.isolation.worker.count_work`):

1. **Tensor operations** (ATen ops, under a counting dispatch mode). Vectorised code dispatches the
   same handful of ops whatever the size; a Python loop over elements or rows dispatches about 4x
   more on the 4x input. The count may grow a little (``torch.cdist`` switches algorithm with size:
   2 ops, then 7) but not double, and must stay under ``max_ops``, a per-function bound set at
   several times the reference's count so other correct styles fit.
2. **Python work in the student's own code**: one event per line run and per call of a function of
   theirs (``sys.settrace``). Vectorised code runs the same lines on both inputs; a loop over
   ``.tolist()`` values or over NumPy rows runs its body once per element or row, so the count
   grows with the input even though no tensor op does.
3. **Tensor elements turned into Python numbers** by ``Tensor.tolist`` (which dispatches no op):
   ``torch.tensor(sorted(x.tolist()))`` or ``sum(x.tolist())`` loops in C over Python objects.
   Not counted: a ``map`` in C over a NumPy array's elements (``list(map(f, x.numpy().ravel()))``);
   only the CPU-time check below can see it. (Wrapping ``torch.tensor`` to count it breaks
   PyTorch's own device contexts, which recognise factory functions by identity.)

Host round trips through NumPy (``x.numpy()`` ... ``torch.from_numpy``), extra copies and float64
detours are vectorised and pass all three.

4. **CPU time against the reference**, only for code that passed 1-3 and used FLOOR_S or more of
   CPU per call in a first round (below that nothing is judged slow), and only as a last resort
   with a margin no machine load can produce: the worker's *CPU* time (read by the grading process
   from the kernel, so waiting for a busy core does not count), best of ROUNDS on fresh copies of
   the inputs, must stay within RATIO times the reference's or under FLOOR_S. The slowest correct
   style measured (a broadcasting [n, m, d] cosine matrix) is ~15x the reference; ``python -m
   autograder bench`` reports the ratios of borderline styles under load. Where the kernel does not
   report CPU time, this check is skipped (never replaced by the clock).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from autograder.harness.grading.checks import fail
from autograder.harness.isolation.remote import Remote, attribute_of, name_of, worker_of

GROWTH_SLACK = 16  # ops a library call may add on a bigger input (algorithm switches)
PYTHON_SLACK = 16  # lines a data-dependent branch may add on a bigger input
ELEMENT_SLACK = 16  # elements .tolist() may turn into numbers beyond the small input's (a shape, a few sizes)
RATIO = 100.0  # CPU time: correct styles stay under ~15x; load cannot multiply CPU time by 6
FLOOR_S = 0.05  # below 50 ms of CPU per call on the timing input, nothing is judged slow
ROUNDS = 3


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
    kwargs: dict | None = None,
) -> None:
    """``fn(*large)`` must not do more work than ``fn(*small)`` (tensor ops, lines of the student's
    code run, elements turned into Python numbers), dispatch at most ``max_ops`` ops, and, when the
    ``reference`` module (the ``reference`` fixture) and ``timing`` inputs are given, use at most
    RATIO times the CPU time of the reference's function of the same name (see the module's doc).
    ``kwargs`` go to both calls unchanged."""
    name = name_of(fn)
    few, many = fn.count_work(*small, **(kwargs or {})), fn.count_work(*large, **(kwargs or {}))
    ops_few, ops_many = total(few.ops), total(many.ops)
    if ops_many > max(2 * ops_few, ops_few + GROWTH_SLACK):
        fail(
            f"is not vectorised: it dispatched {ops_few} tensor operations on the small input and {ops_many} "
            "on a 4x larger one. Replace Python loops over elements or rows with whole-tensor operations.",
            name,
        )
    if many.python > few.python + PYTHON_SLACK:
        fail(
            f"is not vectorised: {few.python} lines of your code ran on the small input and {many.python} on a "
            "4x larger one, so a Python loop runs once per element or row (over .tolist() values, NumPy rows "
            "or a comprehension). Express it as whole-tensor operations.",
            name,
        )
    if many.elements > few.elements + ELEMENT_SLACK:
        fail(
            f"is not vectorised: .tolist() turned {few.elements} tensor elements into Python numbers on the "
            f"small input and {many.elements} on a 4x larger one; Python then handles them one by one. "
            "Keep the data in tensors.",
            name,
        )
    if ops_many > max_ops:
        fail(
            f"dispatched {ops_many} tensor operations for one call; a vectorised solution needs far fewer "
            f"(at most {max_ops} are allowed). Look for loops or repeated work.",
            name,
        )
    if reference is not None and timing is not None and not _under_floor(fn, timing):
        expect_fast(fn, getattr(reference, attribute_of(fn)), timing)


def _under_floor(fn: Remote, args: tuple) -> bool:
    """One round of the student's own calls used under FLOOR_S of CPU each: :func:`expect_fast`'s
    best-of-rounds could only be lower, so it cannot fail, and neither the reference's worker nor
    its rounds are needed (the usual case: the check then costs 3 calls, not 20)."""
    seconds = fn.cpu_time_per_call(*_resident(fn, args), repeat=3)
    return seconds is not None and seconds < FLOOR_S


def expect_fast(fn: Remote, reference: Remote, args: tuple) -> None:
    """Best-of-ROUNDS CPU time per call within RATIO x the reference's (or under FLOOR_S)."""
    student_args, reference_args = _resident(fn, args), _resident(reference, args)
    fn.cpu_time_per_call(*student_args, repeat=1)  # warm up both (first-call costs are not the student's)
    reference.cpu_time_per_call(*reference_args, repeat=1)
    theirs, ours = [], []
    for _ in range(ROUNDS):
        ours.append(reference.cpu_time_per_call(*reference_args, repeat=3))
        theirs.append(fn.cpu_time_per_call(*student_args, repeat=3))
    if None in theirs or None in ours:
        return  # the kernel does not report CPU time here: judge on the counts alone
    student_s, reference_s = min(theirs), max(min(ours), 1e-6)
    if student_s > max(RATIO * reference_s, FLOOR_S):
        fail(
            f"is too slow: it used {student_s * 1e3:.0f} ms of CPU per call on a large input, "
            f"{student_s / reference_s:.0f} times the reference's {reference_s * 1e3:.2f} ms; the limit is "
            f"{RATIO:g} times. Look for Python-level work per element (.tolist(), .item(), NumPy loops).",
            name_of(fn),
        )


def _resident(fn: Remote, args: tuple) -> tuple:
    """Tensor arguments copied into ``fn``'s worker once, so timing never includes their transfer."""
    return tuple(worker_of(fn).make("torch.clone", a) if isinstance(a, torch.Tensor) else a for a in args)


def expect_not_calling(fn: Remote, args: tuple, banned: Mapping[str, str], kwargs: dict | None = None) -> None:
    """The call must not dispatch any op in ``banned`` (ATen op name -> what the student wrote)."""
    counts = fn.count_ops(*args, **(kwargs or {}))
    used = [what for op, what in banned.items() if counts.get(op)]
    if used:
        fail(f"must be written from scratch, but it calls {' / '.join(sorted(set(used)))}", name_of(fn))
