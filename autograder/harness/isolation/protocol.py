"""What the grading process and a worker say to each other: the one module both sides import.

The grading side (:mod:`~autograder.harness.isolation.remote`) never imports the worker side
(:mod:`~autograder.harness.isolation.worker`, which runs student code): they share this.

A worker starts from a :class:`Job`; its first message, sent before any student code runs, is
``{COMPILED: bytes}`` when the job asks for it (the submission's compiled code, which the grading
process hands to the next workers of the same bytes), then ``{"ready": True, "notes": [...]}`` once
the submission is imported (or ``{"import_error": ...}``, ``{"refused": ...}``). It then answers
requests until the pipe closes:

``{"op": "call", "ref", "path", "args", "kwargs", ...}``    call ``objects[ref].<path>(*args)``;
  flags: ``echo`` (send the inputs back too), ``keep`` (send a handle to the result),
  ``count_ops`` (send what the call did instead of its value: the ATen ops it dispatched, the
  lines of the student's own code it ran, the tensor elements it turned into Python values),
  ``stage: n`` then ``repeat`` (call n times on fresh copies, send nothing: the grading process
  reads this process's CPU time around the request)
``{"op": "get", "ref", "path"}``                             read ``objects[ref].<path>``
``{"op": "make", "target", "args", "kwargs"}``               build a trusted object, keep it here
``{"op": "run", "target", "args", "kwargs"}``                call a trusted function, send the value
``{"op": "ref", "target"}``                                  a handle to a trusted object (a function)


Replies are ``{"value": ...}`` (plus ``"inputs"`` with ``echo``: the arguments as they are after
the call, saved in the same message so shared memory stays visible) or ``{"error": {...}}`` with the
student's traceback, student frames only. Everything the worker sends is plain data (see
:mod:`autograder.harness.isolation.wire`); the grading process decides what it is worth.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# A trusted helper: an object from autograder.scenarios, or a dotted path ("torch.Generator").
Trusted = Callable[..., Any] | str
TRUSTED_PACKAGE = "autograder.scenarios"


def trusted_name(target: Trusted) -> str:
    """The dotted path a worker resolves ``target`` by (``"autograder.scenarios.common.seeded_mlp"``).

    Raises:
        ValueError: ``target`` is an object from outside :mod:`autograder.scenarios` (a suite's own
            function would be resolved in the worker, where the suites are not).
    """
    if isinstance(target, str):
        return target
    module, name = getattr(target, "__module__", None), getattr(target, "__qualname__", None)
    if not (isinstance(module, str) and isinstance(name, str)) or not module.startswith(TRUSTED_PACKAGE + "."):
        raise ValueError(f"{target!r} is not a helper from {TRUSTED_PACKAGE}: only those run inside a worker")
    return f"{module}.{name}"


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to know, sent from the grading process when it starts. Nothing in
    it is secret: the student's code can read it (the grader's seed is not in it, only one derived
    from it one way)."""

    module_name: str  # e.g. "a01_tensors"
    file_name: str  # the student's file, in the scratch folder
    scratch: str  # made by the grading process; sandboxed, the worker sees a copy of its files at sandbox.WORK
    seed: int
    memory_bytes: int
    simulate_cuda: bool = False  # run on the simulated CUDA device (device tests without a GPU)
    screen: bool = True  # refuse code that reaches into the process (see policy.py); off only in self-tests
    # screen_key() of a file an earlier worker of this grading process screened and imported: a
    # worker whose file has the same name and bytes skips the screen (same text, same verdict).
    screened: str = ""
    # The name, in the scratch folder, of the code an earlier worker of this grading process compiled
    # from the same bytes (its COMPILED message, kept by the grading process); "" for none. Used only
    # with ``screened`` (same name, same bytes) and the same path: loading it skips compile().
    compiled: str = ""
    # Send {COMPILED: bytes or None} as the first message, before any student code runs (the
    # grading process then keeps it for the next workers). Only the first message is read as one.
    keep_compiled: bool = False


COMPILED = "compiled"  # a worker's message before any student code runs: {COMPILED: bytes}
MAX_COMPILED_BYTES = 512 * 2**10  # larger compiled code is not kept (a message may hold 1 MB of bytes)


@dataclass(frozen=True)
class Work:
    """What one call did, counted deterministically in the worker (see :func:`count_work`)."""

    ops: dict[str, int]  # ATen ops dispatched, by name
    python: int  # line and call events in the student's own code (a Python loop: one per turn)
    elements: int  # tensor elements turned into Python values by Tensor.tolist
    problem: str | None = None  # why the counts cannot be trusted, or None


def screen_key(file_name: str, data: bytes) -> str:
    """What the screen's verdict depends on: the bytes, and the name that says how they are read
    (the same bytes can be a harmless .py dict literal and a notebook whose cells are not)."""
    return hashlib.sha256(file_name.encode() + b"\0" + data).hexdigest()
