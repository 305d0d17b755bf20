"""How one message between the grading process and a worker becomes bytes, and back.

Messages are nested builtins and tensors (see :mod:`autograder.harness.isolation.wire`). Most are
small (a request, a few tensors back), and there are hundreds per student, so the format is built
for speed on both sides, and its reader for hostile input:

- **packed** (every message a worker sends): the structure is a pickle (protocol 5, written by the
  C pickler) in which every tensor, dtype, device, ``torch.Size`` and complex number is a
  *persistent id* of plain data, and the tensors' storages follow as raw bytes, each written once
  (two tensors that share memory in the worker share memory again here: that is how the grader
  sees a view). ~10x faster than ``torch.save``/``torch.load`` for a small message. A tensor the
  format cannot hold (sparse, nested, quantized, on the meta device, an odd dtype) is replaced by
  a ``{REFUSED: [what, advice]}`` tag naming it, which :mod:`autograder.harness.isolation.bounds`
  turns into a sentence for the student. Tensor attributes never travel.
- **torch** (only from the grading process to a worker, for what the packed format cannot hold):
  ``torch.save``. A worker's message in this format is refused unread: ``torch.load``, even with
  ``weights_only=True``, rebuilds objects a hostile pickle chooses (a bytearray of any size, a
  tensor over uninitialised memory, backward hooks).

Reading a packed message that a worker wrote never runs anything the bytes name. Before the C
unpickler sees the pickle, :func:`_refuse_unsafe` walks its opcodes (at most ``MAX_OPCODES``) and
refuses every opcode that imports, calls or sets state (``GLOBAL``, ``REDUCE``, ``BUILD``,
``NEWOBJ``, ``EXT*``...), every ``APPEND``/``SETITEM`` whose target is not a list or dict the pickle
itself made (so no method of a tensor is ever called), dict keys other than strings and 32-bit ints
(whose hashes cannot be made to collide), strings that are not valid Unicode, and memo indices out of
sequence (a huge one would make the unpickler allocate its memo table). Persistent ids are then
checked one by one and turned into objects by hand: a tensor only over bytes of its own message,
with a shape, strides and offset that stay inside them. A message either reads as plain data or
raises an ``Exception``; its cost is linear in its size.
"""

from __future__ import annotations

import io
import pickle
import pickletools
import struct
from typing import Any

import torch

from autograder.harness.isolation import bounds

PACKED, TORCH = b"\x01", b"\x02"  # the first byte of every message says which format follows
_COUNT = struct.Struct("<I")
_LENGTH = struct.Struct("<Q")
MAX_DIMS = 64  # dimensions of one packed tensor (bounds.MAX_DIMS is the judge's, tighter, limit)
MAX_STORAGES = 2**17  # storages in one message (bounds.MAX_ITEMS refuses more items anyway)
MAX_OPCODES = 400_000  # pickle opcodes in one message: ~1.5 s of screening at most
REFUSED = bounds.REFUSED  # the tag standing for a tensor the packed format cannot hold

_DTYPES = {str(d).removeprefix("torch."): d for d in vars(torch).values() if isinstance(d, torch.dtype)}
# Dtypes a packed tensor may have: those the judge can take, as a tensor or as a NumPy array. A
# tensor of any other dtype travels as a sentence (see REFUSED).
_PACKED_DTYPES = bounds.TENSOR_DTYPES | bounds.NUMPY_DTYPES
_DEVICES = ("cpu", "cuda")


def _devices() -> tuple[str, ...]:
    """Where a tensor in a message may live: the CPU, or a real GPU of this machine."""
    if not torch.cuda.is_available():
        return ("cpu",)
    return ("cpu", "cuda", *(f"cuda:{i}" for i in range(torch.cuda.device_count())))


class _Unpackable(Exception):
    """This value needs torch.save."""


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, to_worker: bool) -> None:
        super().__init__(file, protocol=5)
        self.to_worker = to_worker
        self.storages: list[memoryview] = []
        self._index: dict[int, int] = {}  # a storage's C pointer -> its position in storages

    def persistent_id(self, obj: Any) -> Any:
        kind = type(obj)
        if kind is torch.Tensor or kind is torch.nn.Parameter:  # a Parameter arrives as a plain tensor
            return self._tensor(obj)
        if kind is torch.dtype:
            return ("dtype", str(obj).removeprefix("torch."))
        if kind is torch.device:
            return ("device", str(obj))
        if kind is torch.Size:
            return ("size", tuple(obj))
        if kind is complex:
            return ("complex", obj.real, obj.imag)
        if isinstance(obj, torch.Tensor):  # a subclass
            return self._refused(obj)
        if kind not in _PLAIN:
            raise _Unpackable(kind.__name__)
        return None

    def _tensor(self, t: torch.Tensor) -> tuple:
        if t.layout != torch.strided or t.is_nested or t.dtype not in _PACKED_DTYPES or t.device.type not in _DEVICES:
            return self._refused(t)
        t = t.resolve_conj().resolve_neg()  # the same tensor unless a lazy conjugate or negation
        storage = t.untyped_storage()
        key = storage._cdata
        index = self._index.get(key)
        if index is None:
            index = self._index[key] = len(self.storages)
            raw = torch.empty(0, dtype=torch.uint8, device=storage.device).set_(storage)
            self.storages.append(memoryview(raw.cpu().numpy()))
        dtype = str(t.dtype).removeprefix("torch.")
        device = str(t.device)
        return ("tensor", index, dtype, tuple(t.shape), t.stride(), t.storage_offset(), t.requires_grad, device)

    def _refused(self, t: torch.Tensor) -> tuple:
        """What the grader will tell the student about a tensor that does not travel (the grader's
        own odd tensors go to a worker whole, through torch.save)."""
        if self.to_worker:
            raise _Unpackable("tensor")
        found = bounds.describe_tensor(t) or ("a tensor the grader cannot receive", "return an ordinary tensor")
        return ("refused", *found)


_PLAIN = frozenset({bool, int, float, str, bytes, type(None), list, tuple, dict})


def pack(obj: Any, *, to_worker: bool = False) -> bytes:
    """``obj`` as bytes: packed when it can be, else torch.save (which only a worker reads, so
    ``to_worker`` says the grading process is writing)."""
    body = io.BytesIO()
    pickler = _Pickler(body, to_worker)
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
    if head == TORCH and trusted:
        return torch.load(io.BytesIO(rest), weights_only=False)
    if head != PACKED:
        raise ValueError("not a message the grader reads")
    (count,) = _COUNT.unpack_from(rest)
    at = _COUNT.size
    if count > min(MAX_STORAGES, len(rest) // _LENGTH.size):
        raise ValueError("too many storages")
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
        self._storages: dict[tuple[int, str], torch.UntypedStorage] = {}

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"a message may not name {module}.{name}")

    def persistent_load(self, pid: Any) -> Any:
        if type(pid) is not tuple or not pid or type(pid[0]) is not str:
            raise pickle.UnpicklingError("bad persistent id")
        kind, *fields = pid
        if kind == "tensor" and len(fields) == 7:
            return self._tensor(*fields)
        if kind == "dtype" and len(fields) == 1 and type(fields[0]) is str and fields[0] in _DTYPES:
            return _DTYPES[fields[0]]
        if kind == "device" and len(fields) == 1 and type(fields[0]) is str and len(fields[0]) < 32:
            return torch.device(fields[0])
        if kind == "size" and len(fields) == 1 and _ints(fields[0], MAX_DIMS):
            return torch.Size(fields[0])
        if kind == "complex" and len(fields) == 2 and all(type(f) is float for f in fields):
            return complex(*fields)
        if kind == "refused" and len(fields) == 2 and all(type(f) is str for f in fields):
            return {REFUSED: [text[:200] for text in fields]}
        raise pickle.UnpicklingError("bad persistent id")

    def _tensor(
        self, index: Any, dtype: Any, shape: Any, stride: Any, offset: Any, requires_grad: Any, device: Any
    ) -> torch.Tensor:
        if not (
            type(index) is int
            and 0 <= index < len(self._chunks)
            and type(dtype) is str
            and dtype in _DTYPES
            and _DTYPES[dtype] in _PACKED_DTYPES
            and _ints(shape, MAX_DIMS)
            and _ints(stride, MAX_DIMS)
            and len(shape) == len(stride)
            and type(offset) is int
            and 0 <= offset < 2**63
            and type(requires_grad) is bool
            and device in _devices()
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
        storage = self._storages.get((index, device))
        if storage is None:
            buffer = bytearray(self._chunks[index])
            raw = torch.frombuffer(buffer, dtype=torch.uint8) if buffer else torch.empty(0, dtype=torch.uint8)
            storage = self._storages[index, device] = raw.to(device).untyped_storage()
        t = torch.empty(0, dtype=kind, device=storage.device).set_(storage, offset, shape, stride)
        if requires_grad and (t.is_floating_point() or t.is_complex()):
            t.requires_grad_()
        return t


def _ints(values: Any, most: int) -> bool:
    return type(values) is tuple and len(values) <= most and all(type(v) is int and 0 <= v < 2**63 for v in values)


# -- the opcode screen ------------------------------------------------------------------------------
_LIST, _DICT, _MARK, _KEY, _OTHER = "list", "dict", "mark", "key", "other"  # what a stack slot holds
_PUSH = {
    **dict.fromkeys(("BININT", "BININT1", "BININT2"), _KEY),  # 32-bit ints: no two share a hash
    **dict.fromkeys(("NONE", "NEWTRUE", "NEWFALSE", "LONG1", "LONG4", "BINFLOAT", "EMPTY_TUPLE"), _OTHER),
    **dict.fromkeys(("SHORT_BINBYTES", "BINBYTES", "BINBYTES8"), _OTHER),
}
_STRINGS = frozenset({"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8"})
_MEMO_LIMIT = 1 << 20


class _Screen:
    """A model of the unpickler's stack, by kind of slot: what may be appended to or set in is known
    for every slot, so no opcode can reach a method of anything but a list or a dict the pickle made.
    Marks are kept apart (positions in the stack), so each opcode costs O(1) plus what it pops."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.marks: list[int] = []
        self.memo: list[str] = []

    def pop(self, n: int) -> list[str]:
        floor = self.marks[-1] if self.marks else 0
        if len(self.stack) - n < floor:
            raise pickle.UnpicklingError("stack underflow")
        popped = self.stack[len(self.stack) - n :]
        del self.stack[len(self.stack) - n :]
        return popped

    def pop_mark(self) -> list[str]:
        if not self.marks:
            raise pickle.UnpicklingError("no mark")
        at = self.marks.pop()
        popped = self.stack[at:]
        del self.stack[at:]
        return popped

    def top(self, kind: str) -> None:
        floor = self.marks[-1] if self.marks else 0
        if len(self.stack) <= floor or self.stack[-1] != kind:
            raise pickle.UnpicklingError(f"{kind} expected")


def _refuse_unsafe(body: memoryview) -> None:
    """Raise unless the pickle only builds builtins and persistent ids (see the module's docstring)."""
    screen = _Screen()
    stack, memo = screen.stack, screen.memo
    try:
        for count, (op, arg, _) in enumerate(pickletools.genops(io.BytesIO(body))):
            name = op.name
            if count >= MAX_OPCODES:
                raise pickle.UnpicklingError(f"more than {MAX_OPCODES} items")
            if name in _PUSH:
                stack.append(_PUSH[name])
            elif name in _STRINGS:
                arg.encode()  # a lone surrogate is not text: UnicodeEncodeError
                stack.append(_KEY)
            elif name == "EMPTY_LIST":
                stack.append(_LIST)
            elif name == "EMPTY_DICT":
                stack.append(_DICT)
            elif name == "MARK":
                screen.marks.append(len(stack))
            elif name in ("TUPLE1", "TUPLE2", "TUPLE3"):
                screen.pop(int(name[-1]))
                stack.append(_OTHER)
            elif name == "TUPLE":
                screen.pop_mark()
                stack.append(_OTHER)
            elif name == "APPEND":
                screen.pop(1)
                screen.top(_LIST)
            elif name == "APPENDS":
                screen.pop_mark()
                screen.top(_LIST)
            elif name in ("SETITEM", "SETITEMS"):
                items = screen.pop(2) if name == "SETITEM" else screen.pop_mark()
                if len(items) % 2 or any(kind != _KEY for kind in items[::2]):
                    raise pickle.UnpicklingError("a dict key that is not a string or a small int")
                screen.top(_DICT)
            elif name in ("MEMOIZE", "BINPUT", "LONG_BINPUT"):
                in_order = name == "MEMOIZE" or arg == len(memo)  # what the unpickler's memo_len will say
                if len(memo) >= _MEMO_LIMIT or not in_order:
                    raise pickle.UnpicklingError("bad memo")
                screen.top(stack[-1] if stack else _OTHER)
                memo.append(stack[-1])
            elif name in ("BINGET", "LONG_BINGET"):
                if not 0 <= arg < len(memo):
                    raise pickle.UnpicklingError("bad memo")
                stack.append(memo[arg])
            elif name == "BINPERSID":
                screen.pop(1)
                stack.append(_OTHER)
            elif name in ("PROTO", "FRAME"):
                pass
            elif name == "STOP":
                if len(stack) != 1 or screen.marks:
                    raise pickle.UnpicklingError("bad stop")
                return
            else:
                raise pickle.UnpicklingError(f"opcode {name} is not allowed in a message")
    except (ValueError, UnicodeError) as exc:  # genops: truncated or unknown opcode; not text
        raise pickle.UnpicklingError(type(exc).__name__) from None
    raise pickle.UnpicklingError("no STOP")
