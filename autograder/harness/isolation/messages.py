"""How one message between the grading process and a worker becomes bytes, and back.

Messages are nested builtins and tensors (see :mod:`autograder.harness.isolation.wire`). Most are
small (a request, a few tensors back), and there are hundreds per student, so the format is built
for speed on both sides, and its reader for hostile input:

- **packed** (nearly every message): the structure is a pickle (protocol 5, written by the C
  pickler) in which every tensor, dtype, device, ``torch.Size`` and complex number is a
  *persistent id* of plain data, and the tensors' storages follow as raw bytes, each written once
  (two tensors that share memory in the worker share memory again here: that is how the grader sees
  a view). ~10x faster than ``torch.save``/``torch.load`` for a small message.
- **torch** (anything else: a sparse, nested, quantized or meta tensor, a GPU tensor, an odd dtype):
  ``torch.save``, read back with ``torch.load(weights_only=True)``, which rebuilds tensors,
  numbers, strings, dtypes, devices and containers and refuses everything else.

Reading a packed message that a worker wrote never runs anything the bytes name. Before the C
unpickler sees the pickle, :func:`_refuse_unsafe` walks its opcodes and refuses every opcode that
imports, calls or sets state (``GLOBAL``, ``REDUCE``, ``BUILD``, ``NEWOBJ``, ``EXT*``...), every
``APPEND``/``SETITEM`` whose target is not a list or dict the pickle itself made (so no method of a
tensor is ever called), and memo indices out of sequence (a huge one would make the unpickler
allocate its memo table). Persistent ids are then checked one by one and turned into objects by
hand: a tensor only over bytes of its own message, with a shape, strides and offset that stay inside
them. A message either reads as plain data or raises.
"""

from __future__ import annotations

import io
import pickle
import pickletools
import struct
from typing import Any

import torch

PACKED, TORCH = b"\x01", b"\x02"  # the first byte of every message says which format follows
_COUNT = struct.Struct("<I")
_LENGTH = struct.Struct("<Q")
MAX_DIMS = 64  # dimensions of one packed tensor (bounds.MAX_DIMS is the judge's, tighter, limit)

_DTYPES = {str(d).removeprefix("torch."): d for d in vars(torch).values() if isinstance(d, torch.dtype)}
# Dtypes a packed tensor may have: the everyday ones. Any other goes through torch.save.
_PACKED_DTYPES = frozenset(
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
        torch.bfloat16,
        torch.float32,
        torch.float64,
        torch.complex64,
        torch.complex128,
    }
)


class _Unpackable(Exception):
    """This value needs torch.save."""


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=5)
        self.storages: list[memoryview] = []
        self._index: dict[int, int] = {}  # a storage's C pointer -> its position in storages

    def persistent_id(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is torch.Tensor:
            return self._tensor(obj)
        if kind is torch.dtype:
            return ("dtype", str(obj).removeprefix("torch."))
        if kind is torch.device:
            return ("device", str(obj))
        if kind is torch.Size:
            return ("size", tuple(obj))
        if kind is complex:
            return ("complex", obj.real, obj.imag)
        if kind not in _PLAIN:
            raise _Unpackable(kind.__name__)
        return None

    def _tensor(self, t: torch.Tensor) -> tuple:
        if (
            t.layout != torch.strided
            or t.device.type != "cpu"
            or t.dtype not in _PACKED_DTYPES
            or t.is_nested
            or t.is_conj()
            or t.is_neg()
            or t.__dict__  # attributes (a grading-side mark) travel with torch.save only
        ):
            raise _Unpackable("tensor")
        storage = t.untyped_storage()
        key = storage._cdata
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.storages)
            raw = torch.empty(0, dtype=torch.uint8).set_(storage)
            self.storages.append(memoryview(raw.numpy()))
        dtype = str(t.dtype).removeprefix("torch.")
        return ("tensor", index, dtype, tuple(t.shape), t.stride(), t.storage_offset(), t.requires_grad)


_PLAIN = frozenset({bool, int, float, str, bytes, type(None), list, tuple, dict})


def pack(obj: Any) -> bytes:
    """``obj`` as bytes: packed when it can be, else torch.save."""
    body = io.BytesIO()
    pickler = _Pickler(body)
    try:
        pickler.dump(obj)
    except (_Unpackable, pickle.PicklingError, TypeError, RecursionError):
        out = io.BytesIO()
        out.write(TORCH)
        torch.save(obj, out)
        return out.getvalue()
    sizes = [_LENGTH.pack(s.nbytes) for s in pickler.storages]
    return b"".join([PACKED, _COUNT.pack(len(sizes)), *sizes, *pickler.storages, body.getvalue()])


def unpack(data: bytes, *, trusted: bool = False) -> Any:
    """Read a message. ``trusted`` only for messages the grading process wrote itself."""
    head, rest = data[:1], memoryview(data)[1:]
    if head == TORCH:
        return torch.load(io.BytesIO(rest), weights_only=not trusted)
    if head != PACKED:
        raise ValueError("not a message")
    (count,) = _COUNT.unpack_from(rest)
    at = _COUNT.size
    if count > len(rest) // _LENGTH.size:
        raise ValueError("bad storage count")
    sizes = [_LENGTH.unpack_from(rest, at + i * _LENGTH.size)[0] for i in range(count)]
    at += count * _LENGTH.size
    chunks = []
    for size in sizes:
        if at + size > len(rest):
            raise ValueError("truncated storage")
        chunks.append(rest[at : at + size])
        at += size
    body = rest[at:]
    if not trusted:
        _refuse_unsafe(body)
    return _Unpickler(io.BytesIO(body), chunks).load()


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, chunks: list[memoryview]) -> None:
        super().__init__(file)
        self._chunks = chunks
        self._storages: dict[int, torch.UntypedStorage] = {}

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"a message may not name {module}.{name}")

    def persistent_load(self, pid: Any) -> Any:
        if type(pid) is not tuple or not pid or type(pid[0]) is not str:
            raise pickle.UnpicklingError("bad persistent id")
        kind, *fields = pid
        if kind == "tensor":
            return self._tensor(*fields)
        if kind == "dtype" and len(fields) == 1 and fields[0] in _DTYPES:
            return _DTYPES[fields[0]]
        if kind == "device" and len(fields) == 1 and type(fields[0]) is str and len(fields[0]) < 32:
            return torch.device(fields[0])
        if kind == "size" and len(fields) == 1 and _ints(fields[0], MAX_DIMS):
            return torch.Size(fields[0])
        if kind == "complex" and len(fields) == 2 and all(type(f) is float for f in fields):
            return complex(*fields)
        raise pickle.UnpicklingError(f"bad persistent id {kind!r}")

    def _tensor(self, index: Any, dtype: Any, shape: Any, stride: Any, offset: Any, requires_grad: Any) -> torch.Tensor:
        if not (
            type(index) is int
            and 0 <= index < len(self._chunks)
            and dtype in _DTYPES
            and _DTYPES[dtype] in _PACKED_DTYPES
            and _ints(shape, MAX_DIMS)
            and _ints(stride, MAX_DIMS)
            and len(shape) == len(stride)
            and type(offset) is int
            and offset >= 0
            and type(requires_grad) is bool
        ):
            raise pickle.UnpicklingError("bad tensor")
        kind = _DTYPES[dtype]
        capacity = len(self._chunks[index]) // kind.itemsize
        if 0 in shape:
            last = offset - 1
        else:
            last = offset + sum((n - 1) * s for n, s in zip(shape, stride, strict=True))
        if last >= capacity:  # set_ would grow the storage instead of refusing
            raise pickle.UnpicklingError("tensor outside its storage")
        storage = self._storages.get(index)
        if storage is None:
            buffer = bytearray(self._chunks[index])
            raw = torch.frombuffer(buffer, dtype=torch.uint8) if buffer else torch.empty(0, dtype=torch.uint8)
            storage = self._storages[index] = raw.untyped_storage()
        t = torch.empty(0, dtype=kind).set_(storage, offset, shape, stride)
        if requires_grad and (t.is_floating_point() or t.is_complex()):
            t.requires_grad_()
        return t


def _ints(values: Any, most: int) -> bool:
    return type(values) is tuple and len(values) <= most and all(type(v) is int and v >= 0 for v in values)


# -- the opcode screen ------------------------------------------------------------------------------
_LIST, _DICT, _MARK, _OTHER = "list", "dict", "mark", "other"
_PUSH = frozenset(
    {
        "NONE",
        "NEWTRUE",
        "NEWFALSE",
        "BININT",
        "BININT1",
        "BININT2",
        "LONG1",
        "LONG4",
        "BINFLOAT",
        "SHORT_BINUNICODE",
        "BINUNICODE",
        "BINUNICODE8",
        "SHORT_BINBYTES",
        "BINBYTES",
        "BINBYTES8",
        "EMPTY_TUPLE",
    }
)
_MEMO_LIMIT = 1 << 20


def _refuse_unsafe(body: memoryview) -> None:
    """Raise unless the pickle only builds builtins and persistent ids (see the module's docstring).

    A model of the unpickler's stack, by kind: what may be appended to or set in is known for every
    slot, so no opcode can reach a method of anything but a list or a dict the pickle made."""
    stack: list[str] = []
    memo: list[str] = []

    def pop(n: int = 1) -> None:
        if len(stack) < n or _MARK in stack[len(stack) - n :]:
            raise pickle.UnpicklingError("stack underflow")
        del stack[len(stack) - n :]

    def pop_mark() -> int:
        if _MARK not in stack:
            raise pickle.UnpicklingError("no mark")
        at = len(stack) - 1 - stack[::-1].index(_MARK)
        items = len(stack) - at - 1
        del stack[at:]
        return items

    def top(kind: str) -> None:
        if not stack or stack[-1] != kind:
            raise pickle.UnpicklingError(f"{kind} expected")

    try:
        for op, arg, _ in pickletools.genops(io.BytesIO(body)):
            name = op.name
            if name in _PUSH:
                stack.append(_OTHER)
            elif name == "EMPTY_LIST":
                stack.append(_LIST)
            elif name == "EMPTY_DICT":
                stack.append(_DICT)
            elif name == "MARK":
                stack.append(_MARK)
            elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
                pop(int(name[-1]))
                stack.append(_OTHER)
            elif name == "TUPLE":
                pop_mark()
                stack.append(_OTHER)
            elif name == "APPEND":
                pop()
                top(_LIST)
            elif name == "APPENDS":
                pop_mark()
                top(_LIST)
            elif name == "SETITEM":
                pop(2)
                top(_DICT)
            elif name == "SETITEMS":
                if pop_mark() % 2:
                    raise pickle.UnpicklingError("odd SETITEMS")
                top(_DICT)
            elif name in ("MEMOIZE", "BINPUT", "LONG_BINPUT"):
                in_order = name == "MEMOIZE" or arg == len(memo)  # what the unpickler's memo_len will say
                if not stack or stack[-1] == _MARK or not in_order or len(memo) >= _MEMO_LIMIT:
                    raise pickle.UnpicklingError("bad memo")
                memo.append(stack[-1])
            elif name in ("BINGET", "LONG_BINGET"):
                if not 0 <= arg < len(memo):
                    raise pickle.UnpicklingError("bad memo")
                stack.append(memo[arg])
            elif name == "BINPERSID":
                top(_OTHER)
                pop()
                stack.append(_OTHER)
            elif name in ("PROTO", "FRAME"):
                pass
            elif name == "STOP":
                if len(stack) != 1 or stack[0] == _MARK:
                    raise pickle.UnpicklingError("bad stop")
                return
            else:
                raise pickle.UnpicklingError(f"opcode {name} is not allowed in a message")
    except ValueError as exc:  # genops: truncated or unknown opcode
        raise pickle.UnpicklingError(str(exc)) from None
    raise pickle.UnpicklingError("no STOP")
