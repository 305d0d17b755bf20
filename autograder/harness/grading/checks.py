"""Assertions for hidden suites, with feedback written for students.

Each check compares what the student's code returned with what was expected and, on a mismatch,
says what differs (type, shape, dtype, device, the first mismatching element with both values, how
many elements differ), naming the call that produced it. None prints a whole expected tensor.
The call defaults to the most recent call sent to a worker, described by kinds and shapes.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

import torch

from autograder.harness.grading import inputs
from autograder.harness.grading.describe import describe
from autograder.harness.grading.mistakes import Mistake
from autograder.harness.isolation import remote, wire

# (rtol, atol) per floating dtype: loose enough for any correct order of operations, tight enough
# to catch a wrong formula (a biased std differs by ~1e-2 relative on small inputs).
TOLERANCES = {
    torch.float16: (1e-3, 1e-3),
    torch.bfloat16: (1.6e-2, 1e-2),
    torch.float32: (1e-5, 1e-5),
    torch.float64: (1e-9, 1e-9),
}


class Mismatch(remote.GradingFeedback, AssertionError):
    """A hidden check failed; the message is for the student. ``diagnosis`` is the id of the known
    mistake the wrong value matched (autograder.harness.grading.mistakes), if any."""

    diagnosis: str | None = None
    explanation: str | None = None


Matcher = Callable[[Any], Mistake | None]  # Catalogue.of(...): the known mistake a wrong value matches


def with_note(exc: Mismatch, note: str) -> Mismatch:
    """``exc`` with ``note`` appended to its message, keeping its diagnosis."""
    noted = Mismatch(f"{exc} {note}")
    noted.diagnosis, noted.explanation = exc.diagnosis, exc.explanation
    return noted


@contextlib.contextmanager
def naming_mistakes(got: Any, mistakes: Matcher | None) -> Iterator[None]:
    """A failure inside the block is explained when ``got`` matches a known mistake: the message
    gains the mistake's cause and fix, and the failure carries its id. Nothing matches: unchanged."""
    try:
        yield
    except Mismatch as exc:
        known = mistakes(got) if mistakes is not None else None
        if known is None:
            raise
        named = Mismatch(f"{exc} {known.message}")
        named.diagnosis, named.explanation = known.id, known.message
        raise named from None


def fail(message: str, call: str | None = None) -> NoReturn:
    raise Mismatch(f"{call or remote.last_call()}: {message}")


def expect_tensor(
    got: Any,
    expected: torch.Tensor,
    *,
    call: str | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    check_dtype: bool = True,
    check_device: bool = True,
    mistakes: Matcher | None = None,
) -> None:
    """``got`` must be a tensor equal to ``expected`` (same shape, dtype, device; close values).
    ``mistakes`` (a suite's ``KNOWN.of(function, *inputs)``) names a known mistake the wrong value
    matches.

    ``check_dtype=False`` is for a test that leaves dtypes to another test of the same function (one
    mistake costs one test): values are compared as numbers, and a wrong dtype is only mentioned
    as a note when the values are wrong too."""
    if not isinstance(got, torch.Tensor):
        fail(f"should return a torch.Tensor, but returned {describe(got)}", call)
    with naming_mistakes(got, mistakes):
        _expect_tensor(got, expected, call, rtol, atol, check_dtype, check_device)


def _expect_tensor(got, expected, call, rtol, atol, check_dtype, check_device) -> None:
    if tuple(got.shape) != tuple(expected.shape):
        fail(f"returned shape {tuple(got.shape)}, expected {tuple(expected.shape)}", call)
    if check_dtype and got.dtype != expected.dtype:
        fail(f"returned dtype {got.dtype}, expected {expected.dtype}", call)
    if check_device and device_of(got) != device_of(expected):
        wanted = device_of(expected)
        fail(f"returned a tensor on {device_of(got)}, expected it on {wanted}.{_left_behind(got, wanted)}", call)
    try:
        _expect_values(got.detach(), expected.detach(), call, rtol, atol)
    except Mismatch as exc:
        if got.dtype == expected.dtype:
            raise
        raise with_note(exc, f"(Note: it also returned dtype {got.dtype}, expected {expected.dtype}.)") from None


def expect_device(got: Any, device: str, *, call: str | None = None) -> None:
    """``got`` must be a tensor on ``device`` (``"cuda"`` means ``cuda:0``); values are not checked."""
    expect_type(got, torch.Tensor, call=call)
    wanted = str(torch.device(device, 0) if device == "cuda" else torch.device(device))
    if device_of(got) != wanted:
        fail(f"returned a tensor on {device_of(got)}, expected it on {wanted}.{_left_behind(got, wanted)}", call)


# A device test compares a result computed on the device with the same code's result on the CPU:
# kernels differ in summation order (and cuDNN's RNNs in algorithm), never by this much.
DEVICE_TOLERANCES = {
    torch.float16: (1e-2, 1e-2),
    torch.bfloat16: (5e-2, 5e-2),
    torch.float32: (1e-3, 1e-4),
    torch.float64: (1e-7, 1e-7),
}


def expect_like_cpu(
    got: Any, on_cpu: Any, device: str, *, call: str | None = None, what: str = "the result", values: bool = True
) -> None:
    """A device test's verdict (one mistake costs one kind): ``got``, the student's result for inputs
    on ``device``, must be what their own code returned for the same inputs on the CPU (``on_cpu``):
    same structure, types, shapes, dtypes and values, with every tensor on ``device`` (``"cuda"``
    means ``cuda:0``; pass ``"cpu"`` where the result should come back to the CPU). A wrong value
    that is wrong on both devices is a correctness mistake, so it costs nothing here, and so is an
    error raised on both (``on_cpu`` and ``got`` both :class:`Raised`). ``values=False``
    compares everything but tensor values (random draws differ between devices)."""
    wanted = str(torch.device(device, 0) if device == "cuda" else torch.device(device))
    if isinstance(on_cpu, Raised):
        if isinstance(got, Raised):
            return  # the same error on both devices: the correctness tests judge it
        fail(f"raised {on_cpu!r} for inputs on the CPU, but returned normally with inputs on {wanted}", call)
    if isinstance(on_cpu, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            fail(f"{what} is {describe(got)} with inputs on {wanted}, but a tensor on the CPU", call)
        if device_of(got) != wanted:
            fail(f"{what} is a tensor on {device_of(got)}, expected it on {wanted}.{_left_behind(got, wanted)}", call)
        if tuple(got.shape) != tuple(on_cpu.shape) or got.dtype != on_cpu.dtype:
            fail(
                f"{what} has shape {tuple(got.shape)} and dtype {got.dtype} with inputs on {wanted}, but shape "
                f"{tuple(on_cpu.shape)} and dtype {on_cpu.dtype} for the same inputs on the CPU",
                call,
            )
        if not values:
            return
        rtol, atol = DEVICE_TOLERANCES.get(on_cpu.dtype, (0.0, 0.0))
        _expect_values(got.detach(), on_cpu.detach(), call, rtol, atol, versus="on the CPU")
    elif isinstance(on_cpu, list | tuple):
        if not isinstance(got, list | tuple) or len(got) != len(on_cpu):
            fail(f"{what} is {describe(got)} with inputs on {wanted}, but {describe(on_cpu)} on the CPU", call)
        for i, (item, cpu_item) in enumerate(zip(got, on_cpu, strict=True)):
            expect_like_cpu(item, cpu_item, device, call=call, what=f"{what}[{i}]", values=values)
    elif isinstance(on_cpu, dict):
        if not isinstance(got, dict) or set(got) != set(on_cpu):
            fail(f"{what} is {describe(got)} with inputs on {wanted}, but {describe(on_cpu)} on the CPU", call)
        for key in on_cpu:
            expect_like_cpu(got[key], on_cpu[key], device, call=call, what=f"{what}[{key!r}]", values=values)
    elif isinstance(on_cpu, float) and isinstance(got, float):
        if not math.isclose(got, on_cpu, rel_tol=1e-3, abs_tol=1e-4):
            fail(f"{what} is {got:.6g} with inputs on {wanted}, but {on_cpu:.6g} on the CPU", call)
    elif type(got) is not type(on_cpu) or got != on_cpu:
        fail(f"{what} is {describe(got)} with inputs on {wanted}, but {describe(on_cpu)} on the CPU", call)


# The device tests of this test that passed only because the student's code raised the same error
# on both devices. The plugin reads and clears it after each test: such a pass stands only if one of
# that function's correctness tests passed (the function works somewhere); code that raises for
# every input earns no device points (autograder.harness.grading.plugin, "settle").
RAISED_ON_BOTH: list[str] = []


class Raised:
    """What a device test's call raised (not NotImplementedError): compared, not re-raised, when the
    student's code raises the same on both devices (a correctness mistake, not a device one)."""

    def __init__(self, err: remote.StudentError) -> None:
        self.err = err

    def __repr__(self) -> str:
        return f"{self.err.type_name}: {self.err.message}"


def on_cpu_first(run: Callable[[], Any]) -> Any:
    """``run()``, the CPU half of a device test, or :class:`Raised` when the student's code raises
    (a stub or a missing function still fails the test). A None result fails the test: a body left
    as ``pass`` has no device behaviour to judge."""
    try:
        result = run()
    except remote.StudentError as err:
        if err.not_implemented:
            raise
        return Raised(err)
    if result is None:
        fail("returned None for inputs on the CPU, so there is nothing to compare on the device")
    return result


def on_device(run: Callable[[], Any], on_cpu: Any) -> Any:
    """``run()``, the device half of a device test. If it raises what the CPU half raised too, the
    error is the same on both devices: :class:`Raised` comes back for :func:`expect_like_cpu` to
    accept. Any other error propagates with its traceback (a device mistake, shown as such)."""
    try:
        return run()
    except remote.StudentError as err:
        if isinstance(on_cpu, Raised) and not err.not_implemented and err.type_name == on_cpu.err.type_name:
            RAISED_ON_BOTH.append(f"{err.call} raised {err.type_name} on the CPU and on the device")
            return Raised(err)
        raise


def expect_same_on_device(
    fn: remote.Remote,
    args: tuple,
    device: str,
    *,
    kwargs: dict | None = None,
    result_on: str | None = None,
    values: bool = True,
) -> Any:
    """Call ``fn(*args, **kwargs)`` with CPU tensors, then with every tensor in them moved to
    ``device``; the second result must be the first, on ``result_on`` (default: the device), as
    :func:`expect_like_cpu` says. Returns the device result."""
    kwargs = kwargs or {}
    on_cpu = on_cpu_first(lambda: fn(*args, **kwargs))
    got = on_device(lambda: fn(*to_device(args, device), **to_device(kwargs, device)), on_cpu)
    expect_like_cpu(got, on_cpu, result_on or device, values=values)
    return got


def to_device(value: Any, device: str) -> Any:
    """``value`` with every tensor in it (in tuples, lists and dicts too) moved to ``device``."""
    if isinstance(value, torch.Tensor):
        return inputs.to_device(value, device, requires_grad=value.requires_grad)
    if isinstance(value, list | tuple):
        return type(value)(to_device(v, device) for v in value)
    if isinstance(value, dict):
        return {k: to_device(v, device) for k, v in value.items()}
    return value


def _left_behind(got: torch.Tensor, wanted: str) -> str:
    """The usual causes, when a result that belongs on the GPU came back on the CPU."""
    if device_of(got) != "cpu" or not wanted.startswith("cuda"):
        return ""
    return (
        " Usual causes: a tensor created without device= (torch.zeros(n) instead of "
        "torch.zeros(n, device=x.device)), .cpu(), or a NumPy round trip (.numpy() / torch.from_numpy)."
    )


def device_of(t: torch.Tensor) -> str:
    """Where a returned tensor lives: ``"cuda:0"`` for the simulated device too."""
    return wire.simulated_device(t) or str(t.device)


def _expect_values(
    got: torch.Tensor, expected: torch.Tensor, call: str | None, rtol, atol, versus: str = "expected"
) -> None:
    got = got.to("cpu")
    expected = expected.to("cpu")
    if expected.is_floating_point() or expected.is_complex() or got.is_floating_point():
        default_rtol, default_atol = TOLERANCES.get(expected.dtype, (1e-5, 1e-5))
        rtol = default_rtol if rtol is None else rtol
        atol = default_atol if atol is None else atol
        wide = torch.promote_types(got.dtype, expected.dtype)
        close = torch.isclose(got.to(wide), expected.to(wide), rtol=rtol, atol=atol, equal_nan=True)
    else:
        close = got.to(expected.dtype) == expected
    if bool(close.all()):
        return
    bad = (~close).nonzero()
    first = tuple(int(i) for i in bad[0])
    where = f"at index {list(first)}" if first else "(a 0-d tensor)"
    fail(
        f"wrong values: {len(bad)} of {close.numel()} elements differ; first {where}: "
        f"got {got[first].item():.6g}, {versus} {expected[first].item():.6g}",
        call,
    )


def expect_equal(
    got: Any, expected: Any, *, call: str | None = None, what: str = "returned", mistakes: Matcher | None = None
) -> None:
    """Plain Python values (ints, tuples, strings, bools); the expected value is shown."""
    with naming_mistakes(got, mistakes):
        _expect_equal(got, expected, call, what)


def _expect_equal(got: Any, expected: Any, call: str | None, what: str) -> None:
    if type(expected) is tuple and isinstance(got, tuple):
        got = tuple(got)  # torch.Size counts as a tuple
    if type(got) is not type(expected) and not _same_number(got, expected):
        fail(f"{what} {describe(got)}, expected a {type(expected).__name__}", call)
    if got != expected:
        fail(f"{what} {got!r}, expected {expected!r}", call)


def _same_number(a: Any, b: Any) -> bool:
    return isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool) and a == b


def expect_type(got: Any, kinds: type | tuple[type, ...], *, call: str | None = None, what: str = "") -> None:
    if not isinstance(got, kinds):
        names = " or ".join(k.__name__ for k in (kinds if isinstance(kinds, tuple) else (kinds,)))
        fail(f"{what or 'should return'} {names}, but got {describe(got)}", call)


def type_name(value: Any) -> str:
    """The class name of a value, or of the object a worker handle points to."""
    return remote.type_of(value) if isinstance(value, remote.Remote) else type(value).__name__


def shares_memory(a: torch.Tensor, b: torch.Tensor) -> bool:
    """True when both tensors use the same storage (as loaded from one worker message)."""
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


@contextlib.contextmanager
def expect_raises(
    exc_type: type[BaseException],
    *,
    mentions: Sequence[str] = (),
    mentions_any: Sequence[str] = (),
    call: str | None = None,
    special: str = "",
) -> Iterator[None]:
    """The block must make the student's code raise ``exc_type`` (or a subclass).

    ``mentions``: words the message must all contain (case-insensitive), e.g. the valid choices;
    ``mentions_any``: words of which it must contain at least one; ``special``: what is wrong with
    this input, for the student ("row 2 of this [4, 4] input is constant").
    """
    this_input = f"this input ({special})" if special else "this input"
    try:
        yield
    except remote.StudentError as err:
        if err.not_implemented:
            raise
        if not err.is_a(exc_type):
            raise Mismatch(
                f"{err.call} should raise {exc_type.__name__} for {this_input}, "
                f"but raised {err.type_name}: {err.message}"
            ) from None
        text = err.message.lower()
        missing = [word for word in mentions if word.lower() not in text]
        if mentions_any and not any(word.lower() in text for word in mentions_any):
            missing.append(" or ".join(mentions_any))
        if missing:
            raise Mismatch(
                f"{err.call} raised {exc_type.__name__} as it should, but its message should mention "
                f"{', '.join(map(repr, missing))} to help the caller; it said: {err.message!r}"
            ) from None
    else:
        fail(f"should raise {exc_type.__name__} for {this_input}, but it returned normally", call)
