"""Everything a hidden suite uses, in one place: the only module a suite imports from the harness.

A suite is ``autograder/test_aNN_topic.py``. It declares three names the plugin reads::

    ASSIGNMENT = "a10_attention"                 # the student's module: aNN_topic.py / .ipynb
    FUNCTIONS = ("scaled_dot_product_attention",)
    REQUIRES = {"scaled_dot_product_attention": ("correctness", "errors", "vectorised", "device")}

and optionally ``PRELOAD = ("transformers", ...)``: modules its workers import once, before any
student code (their zygote pays for it, not each test; ``"module:function"`` also calls a trusted
warm-up once there, e.g. a09's tiny BERT built and run), and ``BANNED = {"softmax": {aten op:
what the student wrote}}``: calls a "from scratch" function may not make (public: the students'
``check`` refuses them too, from the manifest ``release`` writes). ``REQUIRES`` is checked when the suite is
collected: a function without a test of a required kind stops the run with the reason.

**Tests.** A test is named ``test_<function>_...``, worth ``@pytest.mark.points(n)``, and of one
``@pytest.mark.kind(...)``: ``correctness`` (the default), ``errors``, ``vectorised`` or ``device``.
Each kind is a separate test, so one mistake costs one kind's points.

**Fixtures** (pytest passes them by name):

- ``student``: the submitted module, as it runs in a fresh sandboxed worker (one per test).
  ``student.fn(*args)`` sends the arguments, runs the call there and returns the value.
- ``worker``: that worker (:class:`Worker`): ``worker.make(helper, *args)`` builds a trusted object
  there and returns a handle, ``worker.run(helper, *args)`` returns a helper's value,
  ``worker.ref(helper)`` a handle to a helper (e.g. to pass as an argument). ``helper`` is an object
  from :mod:`autograder.scenarios` (``common.seeded_mlp``) or a dotted path into PyTorch
  (``"torch.Generator"``).
- ``reference``: the reference solution in a worker of its own, for timing (``None`` without one).
- ``device``: ``"cuda"``: a real GPU when there is one, else the simulated device.
- ``rng``: a ``torch.Generator`` seeded from the grade seed and the test's name: hidden inputs.

**Checks** raise a :class:`Mismatch` whose message is the student's feedback: ``expect_tensor``
(shape, dtype, device, values, first mismatch), ``expect_equal``, ``expect_type``,
``expect_raises``, ``expect_same_on_device`` / ``on_cpu_first`` + ``on_device`` +
``expect_like_cpu`` (device tests judge the student's device result against their own CPU result),
``expect_vectorised`` / ``expect_not_calling`` (vectorised tests), ``fail``. A :class:`Catalogue`
of known mistakes names the one a wrong value matches (see ``docs/authoring.md``).

**Isolation.** To grade a function that calls another graded one on its own, replace the helper in
the student's module with a trusted one: :func:`isolating` makes that fixture.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from autograder.harness.grading import inputs
from autograder.harness.grading.checks import (
    Matcher,
    Mismatch,
    Raised,
    device_of,
    expect_equal,
    expect_like_cpu,
    expect_raises,
    expect_same_on_device,
    expect_tensor,
    expect_type,
    fail,
    naming_mistakes,
    on_cpu_first,
    on_device,
    shares_memory,
    type_name,
    with_note,
)
from autograder.harness.grading.mistakes import Catalogue
from autograder.harness.grading.vectorised import expect_not_calling, expect_vectorised
from autograder.harness.isolation.remote import Remote, Worker, same_object
from autograder.scenarios import common

__all__ = [
    "Catalogue",
    "Matcher",
    "Mismatch",
    "Raised",
    "Remote",
    "Worker",
    "device_of",
    "expect_equal",
    "expect_like_cpu",
    "expect_not_calling",
    "expect_raises",
    "expect_same_on_device",
    "expect_tensor",
    "expect_type",
    "expect_vectorised",
    "fail",
    "inputs",
    "isolating",
    "naming_mistakes",
    "on_cpu_first",
    "on_device",
    "same_object",
    "shares_memory",
    "type_name",
    "with_note",
]


def isolating(*helpers: Callable[..., Any], why: str = "") -> Any:
    """A fixture: the student's module with each of ``helpers`` (scenarios functions named like the
    student's) put in place of the student's function of that name.

    A function that calls another graded function of the student's is then graded on its own: a
    mistake in the helper costs points on the helper only. In a suite:
    ``isolated = isolating(a07_data.collate_pad, why="...")``, then ask for ``isolated`` instead
    of ``student``.
    """

    @pytest.fixture
    def isolated(student: Remote, worker: Worker) -> Remote:
        for helper in helpers:
            worker.run(common.replace, student, helper.__name__, worker.ref(helper))
        return student

    isolated.__doc__ = why or "The student's module with trusted " + ", ".join(h.__name__ for h in helpers) + "."
    return isolated
