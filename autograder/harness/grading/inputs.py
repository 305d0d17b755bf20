"""Random hidden inputs, all drawn from the test's ``rng`` so that ``--grade-seed`` replays them."""

from __future__ import annotations

import torch

from autograder.harness.isolation.wire import mark_simulated


def randint(rng: torch.Generator, low: int, high: int) -> int:
    """A random int in ``[low, high]`` (both ends included)."""
    return int(torch.randint(low, high + 1, (1,), generator=rng))


def shape(rng: torch.Generator, ndim: tuple[int, int] = (1, 3), size: tuple[int, int] = (1, 5)) -> tuple[int, ...]:
    """A random shape with ``ndim[0]..ndim[1]`` dimensions, each of size ``size[0]..size[1]``."""
    return tuple(randint(rng, *size) for _ in range(randint(rng, *ndim)))


def tensor(rng: torch.Generator, dims: tuple[int, ...], dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Random values: standard normal for floats, -9..9 for ints, coin flips for bools."""
    if dtype.is_floating_point:
        return torch.randn(dims, generator=rng, dtype=torch.float64).to(dtype)
    if dtype == torch.bool:
        return torch.rand(dims, generator=rng) < 0.5
    return torch.randint(-9, 10, dims, generator=rng, dtype=dtype)


def choice(rng: torch.Generator, options: list | tuple):
    return options[randint(rng, 0, len(options) - 1)]


def non_contiguous(rng: torch.Generator, dims: tuple[int, int], dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A 2-D tensor of shape ``dims`` that no ``view`` can flatten: a transpose of a real matrix."""
    return tensor(rng, (dims[1], dims[0]), dtype).t()


def to_device(t: torch.Tensor, device: str, requires_grad: bool = False) -> torch.Tensor:
    """``t`` on ``device`` for a device test: really there when this machine has it, else a CPU
    copy marked for the simulated device (the worker receives it on simulated ``cuda:0``)."""
    if torch.device(device).type == "cuda" and not torch.cuda.is_available():
        return mark_simulated(t.detach().clone(), requires_grad)
    moved = t.detach().to(device)
    return moved.requires_grad_() if requires_grad else moved
