"""What crosses the boundary between the grading process and a worker, and how.

Messages are nested builtins and tensors written with ``torch.save``. The grading process reads
worker messages with ``torch.load(weights_only=True)``, which rebuilds tensors, numbers, strings,
dtypes, devices and containers and refuses everything else, so a submission can never make the grader
unpickle an object of its choosing.

Values that are not plain (a module, a generator, a dataset) stay in the worker and travel as a
handle: ``{"__handle__": id, "type": "MLP"}``. NumPy arrays travel as ``{"__ndarray__": tensor}``.

``torch.save`` writes each storage once, so two tensors that share memory in the worker share
memory again after loading: that is how the grader sees views (``flatten_view``) without trusting
the worker's word for it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

HANDLE = "__handle__"
NDARRAY = "__ndarray__"

_SCALARS = (bool, int, float, complex, str, bytes, type(None), torch.dtype, torch.device)


def dumps(obj: Any) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def loads(data: bytes, *, trusted: bool = False) -> Any:
    """Read a message. ``trusted`` only for messages written by the grading process itself."""
    return torch.load(io.BytesIO(data), weights_only=not trusted)


def plain_tensor(t: torch.Tensor) -> torch.Tensor:
    """The same data as an exact ``torch.Tensor``: subclasses (and their hooks) do not travel."""
    if type(t) is torch.Tensor:
        return t
    with torch._C.DisableTorchFunctionSubclass():
        out = torch.Tensor._make_subclass(torch.Tensor, t.detach(), t.requires_grad)
    return out


def to_wire(obj: Any, keep: Callable[[Any], dict]) -> Any:
    """Turn a worker-side value into plain data; ``keep(obj)`` registers anything else as a handle.

    Containers are rebuilt as exact builtins, so a dict subclass with a lying ``__eq__`` arrives as
    a real dict. Keys that are not strings or ints make the whole container a handle.
    """
    kind = type(obj)
    if kind in _SCALARS:
        return obj
    if isinstance(obj, torch.Tensor):
        return plain_tensor(obj)
    if isinstance(obj, np.ndarray) and obj.dtype != object:
        return {NDARRAY: torch.from_numpy(np.ascontiguousarray(obj))}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, torch.Size):
        return torch.Size(int(d) for d in obj)
    if isinstance(obj, list | tuple):
        items = [to_wire(item, keep) for item in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict) and all(type(k) in (str, int) for k in obj):
        return {k: to_wire(v, keep) for k, v in obj.items()}
    return keep(obj)


def from_wire(obj: Any, resolve: Callable[[dict], Any]) -> Any:
    """Inverse of :func:`to_wire`: handles become whatever ``resolve`` makes of them."""
    if isinstance(obj, dict):
        if HANDLE in obj:
            return resolve(obj)
        if NDARRAY in obj and len(obj) == 1:
            return obj[NDARRAY].numpy()
        return {k: from_wire(v, resolve) for k, v in obj.items()}
    if isinstance(obj, list):
        return [from_wire(v, resolve) for v in obj]
    if isinstance(obj, tuple) and not isinstance(obj, torch.Size):
        return tuple(from_wire(v, resolve) for v in obj)
    return obj
