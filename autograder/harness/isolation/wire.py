"""What crosses the boundary between the grading process and a worker, and how.

Messages are nested builtins and tensors, written and read by
:mod:`autograder.harness.isolation.messages`, whose reader rebuilds tensors, numbers, strings,
dtypes, devices and containers and refuses everything else, so a submission can never make the
grader build an object of its choosing.

Values that are not plain (a module, a generator, a dataset) stay in the worker and travel as a
handle: ``{"__handle__": id, "type": "MLP"}``. NumPy arrays travel as ``{"__ndarray__": tensor}``.
Tensors on the simulated CUDA device (see :mod:`autograder.harness.isolation.simcuda`) travel as their CPU values,
tagged ``{"__simulated_device__": "cuda:0", "data": ..., "requires_grad": ...}``; in the grading
process they become CPU tensors whose ``_simulated_device`` attribute says where they were.

Each storage is written once, so two tensors that share memory in the worker share memory again
after loading: that is how the grader sees views (``flatten_view``) without trusting
the worker's word for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from autograder.harness.isolation import messages
from autograder.harness.isolation.simcuda.tensor import SimulatedCudaTensor

HANDLE = "__handle__"
NDARRAY = "__ndarray__"
SIMULATED = "__simulated_device__"

# Keys a value's own dict may not use (they forge tags).
RESERVED = frozenset({HANDLE, NDARRAY, SIMULATED, messages.REFUSED})
_SCALARS = (bool, int, float, complex, str, bytes, type(None), torch.dtype, torch.device)


def dumps(obj: Any, *, to_worker: bool = False) -> bytes:
    """A message as bytes (see :mod:`autograder.harness.isolation.messages` for the format);
    ``to_worker`` when the grading process writes it."""
    return messages.pack(obj, to_worker=to_worker)


def loads(data: bytes, *, trusted: bool = False) -> Any:
    """Read a message. ``trusted`` only for messages written by the grading process itself."""
    return messages.unpack(data, trusted=trusted)


def plain_tensor(t: torch.Tensor) -> torch.Tensor:
    """The same data as an exact ``torch.Tensor``: subclasses (and their hooks) do not travel."""
    if type(t) is torch.Tensor:
        return t
    with torch._C.DisableTorchFunctionSubclass():
        out = torch.Tensor._make_subclass(torch.Tensor, t.detach(), t.requires_grad)
    return out


def to_wire(obj: Any, keep: Callable[[Any], dict], *, trust_marks: bool = False) -> Any:
    """Turn a value into plain data; ``keep(obj)`` registers anything else as a handle.

    Containers are rebuilt as exact builtins, so a dict subclass with a lying ``__eq__`` arrives as
    a real dict. Keys that are not strings or ints make the whole container a handle.
    ``trust_marks``: honour ``_simulated_device`` marks (the grading process's own tensors only; in
    a worker, only a real SimulatedCudaTensor counts as being on the device).
    """
    kind = type(obj)
    if kind in _SCALARS:
        return obj
    if isinstance(obj, torch.Tensor):
        device = "cuda:0" if isinstance(obj, SimulatedCudaTensor) else simulated_device(obj) if trust_marks else None
        if device is not None:
            data = getattr(obj, "_data", obj)  # a SimulatedCudaTensor's values, or a marked CPU tensor
            return {SIMULATED: device, "data": plain_tensor(data).detach(), "requires_grad": obj.requires_grad}
        return plain_tensor(obj)
    if isinstance(obj, np.ndarray) and obj.dtype != object:
        return {NDARRAY: torch.from_numpy(np.ascontiguousarray(obj))}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, torch.Size):
        return torch.Size(int(d) for d in obj)
    if isinstance(obj, list | tuple):
        items = [to_wire(item, keep, trust_marks=trust_marks) for item in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict) and all(map(_plain_key, obj)) and not RESERVED.intersection(obj):
        return {k: to_wire(v, keep, trust_marks=trust_marks) for k, v in obj.items()}
    return keep(obj)


def _plain_key(key: Any) -> bool:
    """Keys a message may carry: strings and 32-bit ints (see messages: no two share a hash)."""
    return type(key) is str or (type(key) is int and -(2**31) <= key < 2**31)


def simulated_device(t: torch.Tensor) -> str | None:
    """``"cuda:0"`` for a tensor on (or marked for) the simulated CUDA device, else None."""
    device = getattr(t, "_simulated_device", None)
    return device if isinstance(device, str) else None


def mark_simulated(t: torch.Tensor, requires_grad: bool = False, device: str = "cuda:0") -> torch.Tensor:
    """Grading side: a CPU tensor standing for one on the simulated device."""
    if requires_grad and t.is_leaf and (t.is_floating_point() or t.is_complex()):
        t.requires_grad_()
    t._simulated_device = device
    return t


Placer = Callable[[torch.Tensor, str, bool], Any]


def from_wire(obj: Any, resolve: Callable[[dict], Any], place: Placer = mark_simulated) -> Any:
    """Inverse of :func:`to_wire`: handles become whatever ``resolve`` makes of them, and tagged
    simulated-device tensors whatever ``place(data, requires_grad, device)`` makes of them."""
    if isinstance(obj, dict):
        if HANDLE in obj:
            return resolve(obj)
        if NDARRAY in obj and len(obj) == 1:
            return obj[NDARRAY].numpy()
        if SIMULATED in obj:
            return place(obj["data"], bool(obj["requires_grad"]), str(obj[SIMULATED]))
        return {k: from_wire(v, resolve, place) for k, v in obj.items()}
    if isinstance(obj, list):
        return [from_wire(v, resolve, place) for v in obj]
    if isinstance(obj, tuple) and not isinstance(obj, torch.Size):
        return tuple(from_wire(v, resolve, place) for v in obj)
    if isinstance(obj, torch.Tensor) and obj.__dict__:
        obj.__dict__.clear()  # torch.save (the fallback) keeps tensor attributes: a forged device mark among them
    return obj
