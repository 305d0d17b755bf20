"""Short, student-readable descriptions of values and calls, for feedback messages.

They show kinds, shapes, dtypes and devices, never a whole tensor: inputs are worth showing, hidden
expected answers are not.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from autograder.harness.isolation import wire


def describe(value: Any) -> str:
    """``Tensor float32[2, 3] on cpu``, ``list of 3 items``, ``int 5``..."""
    if isinstance(value, torch.Tensor):
        # Where the student's code received it: a tensor sent for the simulated device is cuda:0 there.
        device = wire.simulated_device(value) or value.device
        return f"Tensor {_dtype(value.dtype)}{list(value.shape)} on {device}"
    if isinstance(value, np.ndarray):
        return f"numpy.ndarray {value.dtype}{list(value.shape)}"
    if isinstance(value, bool | int | float | complex | str | type(None) | torch.dtype | torch.device):
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "..."
    if isinstance(value, list | tuple) and not isinstance(value, torch.Size):
        shape = _nested_shape(value)
        if shape and len(shape) > 1:
            return f"{type(value).__name__} of shape {'x'.join(map(str, shape))}"
        if len(value) <= 4 and all(isinstance(v, int | float | str | bool) for v in value):
            return repr(value)
        return f"{type(value).__name__} of {len(value)} items"
    if isinstance(value, torch.Size):
        return repr(tuple(value))
    if isinstance(value, dict):
        return f"dict with keys {sorted(map(str, value))}"
    if type(value).__name__ == "Remote":  # an object that stayed in the worker
        from autograder.harness.isolation.remote import type_of  # remote imports this module

        return f"a {type_of(value)} object"
    return f"{type(value).__name__}"


def describe_call(name: str, args: tuple, kwargs: dict) -> str:
    parts = [describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in kwargs.items()]
    return f"{name}({', '.join(parts)})"


def _dtype(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _nested_shape(value: Any) -> list[int] | None:
    shape: list[int] = []
    while isinstance(value, list | tuple):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return shape
