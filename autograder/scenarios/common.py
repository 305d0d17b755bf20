"""Trusted helpers several suites run inside a worker: facts about a student's module as plain data,
seeded models, loaders, and ``replace`` (grade one function with a trusted helper in place).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def replace(module, name: str, trusted) -> None:
    """Grade one function in isolation: the student's module uses ``trusted`` for ``name``, so a
    mistake in a helper the student wrote (and calls) costs points only on that helper."""
    setattr(module, name, trusted)


def parameter_facts(module: nn.Module) -> dict:
    """Names, shapes, requires_grad and devices of a module's parameters, and its training flags."""
    return {
        "names": [name for name, _ in module.named_parameters()],
        "requires_grad": [p.requires_grad for p in module.parameters()],
        "devices": sorted({str(p.device) for p in module.parameters()}),
        "training": [m.training for m in module.modules()],
    }


def children_types(module: nn.Module) -> list[str]:
    return [type(child).__name__ for child in module.children()]


def child_names(module: nn.Module) -> list[str]:
    """The names a module's children are registered under (``"0"``, or ``"fc1"`` from an OrderedDict)."""
    return [name for name, _ in module.named_children()]


def tensor_loader(x: torch.Tensor, y: torch.Tensor, batch_size: int) -> DataLoader:
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=False)


def grad_state(t: torch.Tensor) -> tuple[bool, torch.Tensor | None]:
    """``(t.requires_grad, t.grad)``: a message carries neither ``.grad`` nor a graph."""
    return t.requires_grad, t.grad


def set_grad(t: torch.Tensor, grad: torch.Tensor) -> None:
    t.grad = grad


def set_requires_grad(module: nn.Module, names: list[str], flag: bool) -> None:
    for name, parameter in module.named_parameters():
        if name in names:
            parameter.requires_grad_(flag)


class GradModeProbe(nn.Module):
    """A linear layer that records whether gradients were enabled, and whether it was in train mode,
    while it ran."""

    def __init__(self, in_dim: int, out_dim: int, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.linear = nn.Linear(in_dim, out_dim)
        self.grad_enabled_during_forward: list[bool] = []
        self.training_during_forward: list[bool] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.grad_enabled_during_forward.append(torch.is_grad_enabled())
        self.training_during_forward.append(self.training)
        return self.linear(x)


def seeded_linear(in_dim: int, out_dim: int, seed: int) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(in_dim, out_dim)


def seeded_mlp(in_dim: int, hidden: int, out_dim: int, seed: int, dropout: float = 0.0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(in_dim, hidden), nn.Tanh(), nn.Dropout(dropout), nn.Linear(hidden, out_dim))


def with_buffers_and_tied_weights(seed: int) -> nn.Module:
    """Parameters shared (counted once): a layer used twice, and a second layer whose weight is the
    first one's (tied, as an embedding and an output layer often are); BatchNorm buffers (not
    parameters)."""
    torch.manual_seed(seed)
    first, tied = nn.Linear(4, 4), nn.Linear(4, 4)
    tied.weight = first.weight
    return nn.Sequential(first, nn.BatchNorm1d(4), first, tied, nn.Linear(4, 3))
