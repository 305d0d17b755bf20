"""The tensor type of the simulated CUDA device: reports ``cuda:0``, keeps its values on the CPU.

Only the type lives here (no side effects on import), so the wire format can recognise it in any
process. The rules that make it behave like CUDA are in :mod:`autograder.harness.isolation.simcuda`.
"""

from __future__ import annotations

import torch

DEVICE = torch.device("cuda", 0)
NUMPY_ERROR = (
    "can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first."
)


class SimulatedCudaTensor(torch.Tensor):
    """A wrapper tensor on ``cuda:0`` whose values are the CPU tensor ``_data``."""

    _simulated_device = "cuda:0"  # what the wire format reads (see autograder.harness.isolation.wire)

    @staticmethod
    def __new__(cls, data: torch.Tensor) -> SimulatedCudaTensor:
        return torch.Tensor._make_wrapper_subclass(
            cls,
            data.shape,
            strides=data.stride(),
            storage_offset=data.storage_offset(),
            dtype=data.dtype,
            device=DEVICE,
            requires_grad=data.requires_grad,
        )

    def __init__(self, data: torch.Tensor) -> None:
        self._data = data

    # Module.to() swaps parameters in place only for "traceable" wrapper subclasses; without this
    # a Parameter would keep a storage-less CUDA impl that no kernel can run.
    def __tensor_flatten__(self) -> tuple[list[str], None]:
        return ["_data"], None

    @staticmethod
    def __tensor_unflatten__(inner: dict, context, outer_size, outer_stride) -> SimulatedCudaTensor:
        return SimulatedCudaTensor(inner["_data"])

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        raise RuntimeError(
            f"{func} on a simulated CUDA tensor outside the simulated device (see simcuda.simulated_cuda)"
        )

    def numpy(self, *args, **kwargs):
        raise TypeError(NUMPY_ERROR)

    def __array__(self, *args, **kwargs):
        raise TypeError(NUMPY_ERROR)

    def tolist(self):
        return self._data.tolist()

    def __repr__(self, *, tensor_contents=None) -> str:
        text = repr(self._data)
        return text[:-1] + ", device='cuda:0')" if text.endswith(")") else text
