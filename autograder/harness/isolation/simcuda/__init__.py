"""A simulated CUDA device, so GPU bugs fail on a laptop or CI just as on a GPU.

Device tests need a GPU to catch the classic bugs: a tensor created on the CPU inside a function, a
``.numpy()`` round trip, a result moved to the CPU, a CPU batch fed to a CUDA model. Without one,
the worker runs them on this simulated device instead:

- ``guard.cpp`` (compiled by :mod:`.build`, loaded before torch) lets a CPU-only torch accept
  tensors on ``cuda:0``: a no-op device guard and CUDA hooks that report one device;
- :class:`.tensor.SimulatedCudaTensor` reports ``cuda:0`` and keeps real values on the CPU, so
  ``.item()``, data-dependent branches and autograd all work;
- :class:`SimulatedCuda`, a dispatch mode, runs every op on the CPU values and enforces CUDA's
  rules: tensors on ``cuda:0`` and non-scalar CPU tensors may not meet in one op (except CPU index
  tensors, and copies), results stay on ``cuda:0``, ``device="cuda"`` factories work;
- recurrent layers and attention use their portable decompositions, as CUDA-only fused kernels do
  not exist on the CPU.

What it does not model: speed, memory limits (memory queries answer as an idle 16 GiB device),
streams and ``torch.cuda.device`` contexts, and CUDA-only dtypes; and ``torch.inference_mode`` acts
as ``torch.no_grad`` (inference tensors cannot be wrapped).
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator

import torch
from torch._decomp import decomposition_table
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from autograder.harness.isolation.simcuda.build import SimulatedCudaUnavailable, library
from autograder.harness.isolation.simcuda.tensor import SimulatedCudaTensor

__all__ = ["SimulatedCuda", "SimulatedCudaTensor", "SimulatedCudaUnavailable", "library", "simulated_cuda"]

aten = torch.ops.aten
MIXED_DEVICES = "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!"
# CUDA accepts CPU index tensors for a CUDA tensor, and copies across devices.
_INDEXING = {aten.index.Tensor, aten.index_put.default, aten.index_put_.default, aten._index_put_impl_.default}
_COPIES = {aten._to_copy.default, aten.copy_.default}


def _is_cuda(device) -> bool:
    return device is not None and torch.device(device).type == "cuda"


class SimulatedCuda(TorchDispatchMode):
    """Runs ops on the CPU values of simulated CUDA tensors, with CUDA's device rules."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        wants_cuda = _is_cuda(kwargs.get("device"))
        if wants_cuda:
            kwargs["device"] = torch.device("cpu")
        on_device: list[SimulatedCudaTensor] = []
        on_cpu: list[torch.Tensor] = []  # tensors of more than one element left on the CPU
        call_args = _unwrap(args, on_device, on_cpu)
        call_kwargs = _unwrap(kwargs, on_device, on_cpu)
        if on_device and func not in _COPIES:
            _check_same_device(func, args, on_cpu)
        out = func(*call_args, **call_kwargs)
        if func is aten.copy_.default:
            return args[0]  # the destination keeps its own device
        if func is aten._to_copy.default and "device" in kwargs and not wants_cuda:
            return out  # .cpu() / .to("cpu")
        if not (wants_cuda or on_device):
            return out
        return _wrap(out, {id(x._data): x for x in on_device})  # in-place ops return their input


# Ops see arguments as nested tuples, lists and dicts (pytree's containers for them): walked here by
# hand, as tree_flatten and tree_unflatten cost most of each op's time on this device.
def _unwrap(value, on_device: list, on_cpu: list):
    if isinstance(value, SimulatedCudaTensor):
        on_device.append(value)
        return value._data
    if isinstance(value, torch.Tensor):
        if value.dim() > 0:
            on_cpu.append(value)
        return value
    kind = type(value)
    if kind is tuple or kind is list:
        return kind([_unwrap(v, on_device, on_cpu) for v in value])
    if kind is dict:
        return {k: _unwrap(v, on_device, on_cpu) for k, v in value.items()}
    return value


def _wrap(value, same: dict):
    if isinstance(value, torch.Tensor):
        original = same.get(id(value))
        return original if original is not None else SimulatedCudaTensor(value)
    kind = type(value)
    if kind is tuple or kind is list:
        return kind([_wrap(v, same) for v in value])
    return value


def _check_same_device(func, args, on_cpu: list) -> None:
    if func in _INDEXING:  # the indices may stay on the CPU
        on_cpu = [x for x in [args[0]] + ([args[2]] if len(args) > 2 else []) if _on_cpu(x)]
    if on_cpu:
        raise RuntimeError(f"{MIXED_DEVICES} (when checking arguments for {func})")


def _on_cpu(x) -> bool:
    return isinstance(x, torch.Tensor) and not isinstance(x, SimulatedCudaTensor) and x.dim() > 0


class _PortableKernels(TorchFunctionMode):
    """Recurrent layers on CUDA call fused CUDA-only cells; use torch's own decompositions instead."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        op = _RECURRENT.get(func)
        if op is not None and any(isinstance(x, SimulatedCudaTensor) for x in tree_flatten((args, kwargs))[0]):
            return decomposition_table[op(args)](*args, **kwargs)
        return func(*args, **kwargs)


def _lstm_overload(args) -> torch._ops.OpOverload:
    return aten.lstm.data if isinstance(args[1], torch.Tensor) else aten.lstm.input


def _packed_if_params_fourth(packet: torch._ops.OpOverloadPacket):
    """gru / rnn_tanh / rnn_relu: the packed-sequence overload has its weights list fourth."""
    return lambda args: packet.data if isinstance(args[3], list | tuple) else packet.input


# nn.RNN with batch_first also goes wrong in the native composite on a wrapper tensor; the
# decompositions are plain aten ops, so autograd and the device rules apply as usual.
_RECURRENT = {
    torch._VF.lstm: _lstm_overload,
    torch._VF.gru: _packed_if_params_fourth(aten.gru),
    torch._VF.rnn_tanh: _packed_if_params_fourth(aten.rnn_tanh),
    torch._VF.rnn_relu: _packed_if_params_fourth(aten.rnn_relu),
}


class _InferenceModeAsNoGrad(torch.no_grad):
    """``torch.inference_mode(mode=True)``, as ``no_grad``: the same for grading (no graph)."""

    def __init__(self, mode: bool = True) -> None:
        super().__init__()
        self.mode = mode

    def __enter__(self) -> None:
        if self.mode:
            super().__enter__()

    def __exit__(self, *exc) -> None:
        if self.mode:
            super().__exit__(*exc)

    def clone(self) -> _InferenceModeAsNoGrad:
        return self.__class__(self.mode)


_PROPERTIES = types.SimpleNamespace(
    name="Simulated CUDA device (autograder)",
    major=8,
    minor=0,
    total_memory=16 * 2**30,
    multi_processor_count=108,
    is_integrated=False,
    is_multi_gpu_board=False,
)


def _patch_cuda_api() -> None:
    """torch.cuda's Python API answers as on a machine with one GPU."""
    cuda = torch.cuda
    cuda.is_available = lambda: True
    cuda.device_count = lambda: 1
    cuda.current_device = lambda: 0
    cuda.is_initialized = lambda: True
    cuda._lazy_init = lambda: None
    cuda.synchronize = lambda device=None: None
    cuda.get_device_name = lambda device=None: "Simulated CUDA device (autograder)"
    cuda.manual_seed = cuda.manual_seed_all = lambda seed: None
    # What libraries and careful code ask a GPU (transformers' kernels ask for the capability on a
    # change of train/eval mode): the answers of an idle 16 GiB device of compute capability 8.0.
    cuda.get_device_properties = lambda device=None: _PROPERTIES
    cuda.get_device_capability = lambda device=None: (_PROPERTIES.major, _PROPERTIES.minor)
    cuda.mem_get_info = lambda device=None: (_PROPERTIES.total_memory, _PROPERTIES.total_memory)
    cuda.set_device = lambda device: None
    cuda.reset_peak_memory_stats = lambda device=None: None
    cuda.is_bf16_supported = lambda including_emulation=True: True
    torch.inference_mode = _InferenceModeAsNoGrad
    # Attention's fused CUDA kernels have no CPU version; the math kernel is what remains.
    for switch in ("enable_flash_sdp", "enable_mem_efficient_sdp", "enable_cudnn_sdp"):
        getattr(torch.backends.cuda, switch, lambda enabled: None)(False)


@contextlib.contextmanager
def simulated_cuda() -> Iterator[None]:
    """Inside, ``"cuda"`` is the simulated device. Needs :func:`library` loaded before torch."""
    _patch_cuda_api()
    # torch.tensor(data, device="cuda") must build on the CPU and reach the mode as a copy.
    lift_cpu_only = torch._C._only_lift_cpu_tensors()
    torch._C._set_only_lift_cpu_tensors(True)
    try:
        with SimulatedCuda(), _PortableKernels():
            yield
    finally:
        torch._C._set_only_lift_cpu_tensors(lift_cpu_only)


def to_simulated(t: torch.Tensor, requires_grad: bool = False) -> SimulatedCudaTensor:
    """A CPU tensor's values as a leaf tensor on the simulated ``cuda:0``."""
    with SimulatedCuda():
        out = SimulatedCudaTensor(t.detach())
    if requires_grad:
        out.requires_grad_()
    return out
