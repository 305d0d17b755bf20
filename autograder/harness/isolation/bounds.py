"""Is a value from a worker safe to judge? :func:`problem` answers before any check looks at it.

A worker runs student code, so whatever it sends is hostile until proven otherwise. The message
reader (:mod:`autograder.harness.isolation.messages`) already refuses arbitrary objects, but it
still rebuilds things that would cost the grading process unbounded work or crash its checks:

- a zero-stride giant, ``torch.zeros(1).expand(2**33)``: a few bytes on the wire, yet comparing it
  with anything walks all 2**33 elements (tens of seconds of grader CPU, growing with the size);
- sparse (COO, CSR, CSC, BSR, BSC), nested, quantized and meta tensors, tensor subclasses, and
  dtypes torch can barely compute with (float8, bits8, uint1..7, ...): the checks crash on them;
- structures nested thousands of levels deep, or containing themselves (the unpickler builds both
  without recursion, but everything that walks them afterwards recurses), or with millions of
  items, and megabyte strings that would end up in the feedback;
- forged wire tags (a ``{"__ndarray__": ...}`` whose tensor NumPy cannot take, a simulated-device
  tag whose ``data`` is not a tensor).

:func:`problem` walks the value as it arrives (before :func:`autograder.harness.isolation.wire.from_wire`, which
recurses), without recursion itself, visiting each container once per occurrence and reading only
tensor metadata (layout, dtype, device, shape, storage size), never tensor data. Its work is
O(number of items walked), and that number is capped by ``MAX_ITEMS``, so the grading process's CPU
and memory stay bounded whatever a worker sends. It never raises: anything unexpected is itself a
problem, reported in one sentence written for the student.

This module imports only torch, so that any part of the grader can use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import repeat
from typing import Any

import torch

MAX_ELEMENTS = 2**24  # elements in one tensor (64 MiB of float32): far above any task's needs
MAX_TOTAL_ELEMENTS = 2**26  # elements in all the tensors of one value together
MAX_STORAGE_BYTES = 2**31  # bytes of the storage behind one tensor (a view of a huge buffer)
MAX_DIMS = 32  # dimensions of one tensor
MAX_ITEMS = 100_000  # containers and leaves walked in one value
MAX_DEPTH = 50  # levels of nesting
MAX_STRING_LENGTH = 1_000_000  # characters of one string (bytes of one bytes object)

# The tags of autograder.harness.isolation.wire (not imported: this module stays import-light); tests check they match.
HANDLE = "__handle__"
NDARRAY = "__ndarray__"
SIMULATED = "__simulated_device__"
REFUSED = "__refused__"  # messages' tag for a tensor that did not travel: [what, advice], said in the worker

# Dtypes the checks can compare (promotion, isclose, == and .to work for them).
TENSOR_DTYPES = frozenset(
    {
        torch.bool,
        torch.uint8,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.float16,
        torch.bfloat16,
        torch.float32,
        torch.float64,
        torch.complex32,
        torch.complex64,
        torch.complex128,
    }
)
# Dtypes a tensor standing for a NumPy array may have: those ``Tensor.numpy()`` accepts.
NUMPY_DTYPES = frozenset(
    {
        torch.bool,
        torch.uint8,
        torch.uint16,
        torch.uint32,
        torch.uint64,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.float16,
        torch.float32,
        torch.float64,
        torch.complex64,
        torch.complex128,
    }
)
_SPARSE = frozenset({torch.sparse_coo, torch.sparse_csr, torch.sparse_csc, torch.sparse_bsr, torch.sparse_bsc})
_TENSOR_TYPES = (torch.Tensor, torch.nn.Parameter)
_STRINGS = (str, bytes, bytearray)
_SIZED = (torch.Size, dict, list, tuple, set, frozenset)  # torch.Size first: it is a tuple too
_LEAVES = frozenset({bool, int, float, complex, type(None), torch.dtype, torch.device})
_SIMPLE_KEYS = (str, int)
_ONLY_WHAT_IS_ASKED = "return only what the task asks for"

# A problem found: what was returned, and what to do instead.
_Found = tuple[str, str]


def problem(value: Any) -> str | None:
    """None when ``value`` (as loaded from a worker) is safe to judge, else one sentence for the
    student about the first offending item, e.g. "returned a sparse tensor (layout torch.sparse_coo)
    at [0]['w']: return an ordinary dense (strided) tensor, e.g. with .to_dense()"."""
    try:
        return _walk(value)
    except Exception as exc:  # noqa: BLE001 - whatever a worker sends, the answer is a sentence
        return (
            f"returned a value the grader cannot inspect ({type(exc).__name__}): "
            "return plain tensors, numbers, strings, lists, tuples or dicts"
        )


class _Key:
    """A path step that is not an index or a plain dict key."""

    def __init__(self, text: str) -> None:
        self.text = text


_AS_IS = _Key("")  # the inside of a wire tag: the student sees the tagged value itself
_AS_NUMPY = _Key("")  # the tensor inside a NumPy tag
_ANY = _Key("[...]")  # an element of a set
_ELLIPSIS = _Key("...")


class _Budget:
    __slots__ = ("elements", "items")

    def __init__(self) -> None:
        self.items = 1
        self.elements = 0


def _walk(value: Any) -> str | None:
    """Depth first, with one lazy iterator per open container, so what is alive stays O(depth)
    (pushing every child at once would make the garbage collector rescan them, many times)."""
    budget = _Budget()
    path: list[Any] = []  # the keys leading to the container whose iterator is frames[-1]
    frames: list[Iterator[tuple[Any, Any]]] = []  # per open container: its (key, child) not yet walked
    key: Any = _AS_IS
    found, children = _visit(value, False, 0, budget)
    if children is not None:
        frames.append(children)
    while found is None and frames:
        entry = next(frames[-1], None)
        if entry is None:
            frames.pop()
            if path:
                path.pop()
            continue
        key, child = entry
        found, children = _visit(child, key is _AS_NUMPY, len(frames), budget)
        if children is not None:
            frames.append(children)
            path.append(key)
    if found is None:
        return None
    if frames:  # the offending item is a child of the innermost open container
        path.append(key)
    what, advice = found
    where = _render(path)
    return f"returned {what}{f' at {where}' if where else ''}: {advice}"


def _visit(obj: Any, is_numpy: bool, depth: int, budget: _Budget) -> tuple[_Found | None, Iterator | None]:
    """A problem with one item, or None and (for a container) an iterator over its (key, child)."""
    kind = type(obj)
    if kind in _LEAVES:
        return None, None
    if isinstance(obj, torch.Tensor):
        found, count = _tensor(obj, is_numpy)
        budget.elements += count
        if found is None and budget.elements > MAX_TOTAL_ELEMENTS:
            found = (
                f"tensors with {budget.elements} elements in all (at most {MAX_TOTAL_ELEMENTS} are allowed)",
                _ONLY_WHAT_IS_ASKED,
            )
        return found, None
    if kind in _STRINGS:
        if len(obj) > MAX_STRING_LENGTH:
            noun = "a string" if kind is str else "a bytes object"
            return (f"{noun} of length {len(obj)} (at most {MAX_STRING_LENGTH} is allowed)", _ONLY_WHAT_IS_ASKED), None
        return None, None
    if isinstance(obj, _SIZED):
        budget.items += len(obj)  # counted before walking: a list of ten million items costs nothing
        if budget.items > MAX_ITEMS:
            return (f"a structure with more than {MAX_ITEMS} items", _ONLY_WHAT_IS_ASKED), None
        if isinstance(obj, torch.Size) or not obj:
            return None, None  # the entries of a torch.Size are ints
        if depth >= MAX_DEPTH:
            return (
                f"a structure nested more than {MAX_DEPTH} levels deep (or one that contains itself)",
                "return a flatter value",
            ), None
        if isinstance(obj, dict):
            return _dict(obj)
        if isinstance(obj, list | tuple):
            return None, enumerate(obj)
        return None, zip(repeat(_ANY), obj)
    if isinstance(obj, torch.UntypedStorage | torch.TypedStorage):
        nbytes = obj.nbytes()
        if nbytes > MAX_STORAGE_BYTES:
            return (f"a storage of {nbytes} bytes (at most {MAX_STORAGE_BYTES} are allowed)", "return tensors"), None
    return None, None  # anything else the unpickler makes is a leaf whose cost is O(1)


def _dict(obj: dict) -> tuple[_Found | None, Iterator | None]:
    """A problem with a dict that is a wire tag, else an iterator over its values (and odd keys)."""
    if HANDLE in obj:  # a handle for an object kept in the worker: from_wire reads nothing else
        if type(obj[HANDLE]) is not int or type(obj.get("type", "")) is not str:
            return ("a malformed object handle", "return plain data or an object"), None
        return None, iter([(_AS_IS, obj.get("type", ""))])
    if NDARRAY in obj and len(obj) == 1:  # a NumPy array, as a tensor
        if not isinstance(obj[NDARRAY], torch.Tensor):
            return ("a malformed NumPy array", "return an ordinary NumPy array"), None
        return None, iter([(_AS_NUMPY, obj[NDARRAY])])
    if REFUSED in obj:  # a tensor the worker could not send, described there (bounds.describe_tensor)
        what, advice = (list(obj[REFUSED]) + ["", ""])[:2]
        if type(what) is not str or type(advice) is not str:
            return ("a malformed value", "return plain tensors, numbers, strings, lists, tuples or dicts"), None
        return (what[:200], advice[:200]), None
    if SIMULATED in obj:  # a tensor on the simulated CUDA device
        data, requires_grad = obj.get("data"), obj.get("requires_grad")
        if type(obj[SIMULATED]) is not str or not isinstance(data, torch.Tensor) or type(requires_grad) is not bool:
            return ("a malformed CUDA tensor", "return an ordinary tensor"), None
        return None, iter([(_AS_IS, data), (_AS_IS, obj[SIMULATED])])
    return None, _entries(obj)


def _entries(obj: dict) -> Iterator[tuple[Any, Any]]:
    for key, item in obj.items():
        if type(key) not in _SIMPLE_KEYS:  # a tensor or a tuple as a key: walked too
            yield _Key("[...] (a dict key)"), key
        yield key, item


def describe_tensor(t: torch.Tensor) -> tuple[str, str] | None:
    """What is wrong with this tensor for the grader, and what to return instead; None if nothing.
    (Called in the worker for a tensor the message format cannot carry, see
    :mod:`autograder.harness.isolation.messages`.)"""
    return _tensor(t, False)[0]


def _tensor(t: torch.Tensor, is_numpy: bool) -> tuple[_Found | None, int]:
    """A problem with one tensor (metadata only, never its values), and its number of elements."""
    noun = "a NumPy array" if is_numpy else "a tensor"
    dense = "return an ordinary dense (strided) tensor"
    if t.is_nested:
        return ("a nested tensor", f"{dense} (pad the sequences to one length, or return a list of tensors)"), 0
    if t.layout in _SPARSE:
        return (f"a sparse tensor (layout {t.layout})", f"{dense}, e.g. with .to_dense()"), 0
    if t.layout != torch.strided:
        return (f"a tensor with layout {t.layout}", dense), 0
    if t.is_quantized:
        return (f"a quantized tensor (dtype {t.dtype})", "return an ordinary tensor, e.g. with .dequantize()"), 0
    if type(t) not in _TENSOR_TYPES:
        return (f"a tensor of type {type(t).__name__}", "return a plain torch.Tensor"), 0
    if t.is_meta:
        return (
            "a tensor on the meta device, which holds no values",
            "create it on the CPU (or on the device the task asks for)",
        ), 0
    if not (t.is_cpu or t.is_cuda):  # simulated CUDA tensors travel as CPU ones; a GPU grader may see cuda
        return (f"a tensor on device {t.device}", "return it on the CPU (or on the device the task asks for)"), 0
    if t.dtype not in (NUMPY_DTYPES if is_numpy else TENSOR_DTYPES):
        return (
            f"{noun} of dtype {t.dtype}, which the grader cannot compare",
            "use a standard dtype (bool, an integer type, float16/32/64, bfloat16 or complex)",
        ), 0
    if t.dim() > MAX_DIMS:
        return (f"{noun} with {t.dim()} dimensions (at most {MAX_DIMS} are allowed)", "return the expected shape"), 0
    count = t.numel()
    if count > MAX_ELEMENTS:
        return (
            f"{noun} with {count} elements (at most {MAX_ELEMENTS} are allowed)",
            "return a tensor of the expected size, not a broadcast or expanded giant",
        ), count
    nbytes = t.untyped_storage().nbytes()
    if nbytes > MAX_STORAGE_BYTES:
        return (
            f"{noun} whose memory holds {nbytes} bytes (at most {MAX_STORAGE_BYTES} are allowed)",
            "return a tensor of the expected size, not a view into a much larger one (use .clone())",
        ), count
    if is_numpy and (t.requires_grad or t.is_conj() or t.is_neg()):
        return ("a malformed NumPy array", "return an ordinary NumPy array"), count
    return None, count


def _render(path: list[Any]) -> str:
    """``[0]['w']`` for the path to an item (shortened when deep); empty for the value itself."""
    keys = [key for key in path if key is not _AS_IS and key is not _AS_NUMPY]
    if len(keys) > 6:
        keys = [*keys[:3], _ELLIPSIS, *keys[-2:]]
    return "".join(_segment(key) for key in keys)


def _segment(key: Any) -> str:
    if isinstance(key, _Key):
        return key.text
    text = repr(key) if type(key) in _SIMPLE_KEYS else "..."
    return f"[{text if len(text) <= 40 else text[:37] + '...'}]"
