# Student version, generated from the reference solution by `python -m autograder release`.
# Replace every `raise NotImplementedError(...)` with your code; keep the names and signatures.
"""Assignment 4 - building models: nn.Module, ModuleList, Sequential.

A model in PyTorch is an ``nn.Module``: ``__init__`` creates its layers, ``forward`` computes the
output. Layers kept in ``nn.ModuleList`` or ``nn.Sequential`` (which are modules themselves) are
*registered*: ``parameters()``, ``state_dict()``, ``.to(device)``, ``train()`` and ``eval()`` reach
them, recursively, like a tree. Layers kept in a plain Python list are invisible to all of these:
the optimizer never sees them and ``.to("cuda")`` leaves them behind.
"""

import torch

_FROZE = []
from torch import nn


class ParallelLinear(nn.Module):
    """``n`` independent ``nn.Linear(dim, dim)`` layers applied to the same input.

    The tutorial's ``myModel`` with ``linear1``, ``linear2``, ``linear3``, rewritten with a
    ModuleList. Attribute ``linears`` must be an ``nn.ModuleList``, so ``state_dict()`` has the keys
    ``linears.0.weight``, ``linears.0.bias``, ..., ``linears.{n-1}.bias``. Each layer has its own
    weights (no sharing).

    ``forward(x)``: ``x`` of shape ``[..., dim]``; returns a tuple of the ``n`` outputs, in order.

    Example:
        >>> layers = ParallelLinear(dim=4, n=3)
        >>> outs = layers(torch.zeros(2, 4))
        >>> len(outs), outs[0].shape
        (3, torch.Size([2, 4]))
        >>> list(layers.state_dict())[:2]
        ['linears.0.weight', 'linears.0.bias']
    """

    def __init__(self, dim: int, n: int) -> None:
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError("ParallelLinear.__init__ is not implemented yet")

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        # YOUR CODE HERE
        raise NotImplementedError("ParallelLinear.forward is not implemented yet")


class MLP(nn.Module):
    """A two-layer perceptron: ``Linear(in_dim, hidden_dim), ReLU, Dropout(dropout), Linear(hidden_dim,
    out_dim)``, kept in this order in the ``nn.Sequential`` attribute ``layers``.

    Dropout is active in ``train()`` mode and does nothing in ``eval()`` mode.

    ``forward(x)``: ``[..., in_dim] -> [..., out_dim]``.

    Example:
        >>> MLP(in_dim=4, hidden_dim=8, out_dim=2)(torch.zeros(5, 4)).shape
        torch.Size([5, 2])
    """

    def __init__(self, in_dim: int, hidden_dim: int, out_dim: int, dropout: float = 0.0) -> None:
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError("MLP.__init__ is not implemented yet")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # YOUR CODE HERE
        raise NotImplementedError("MLP.forward is not implemented yet")


class ResidualStack(nn.Module):
    """``depth`` residual blocks: ``x = x + block(x)`` for each block, in order.

    Attribute ``blocks`` is an ``nn.ModuleList`` of ``depth`` blocks, each
    ``nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.ReLU())`` (so ``state_dict()`` keys
    are ``blocks.{i}.0.weight`` for the LayerNorm, ``blocks.{i}.1.weight`` for the Linear...).

    ``forward(x)``: ``[..., dim] -> [..., dim]``.

    Example:
        >>> stack = ResidualStack(dim=4, depth=2)
        >>> stack(torch.zeros(3, 4)).shape
        torch.Size([3, 4])
        >>> len(stack.blocks)
        2
    """

    def __init__(self, dim: int, depth: int) -> None:
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError("ResidualStack.__init__ is not implemented yet")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # YOUR CODE HERE
        raise NotImplementedError("ResidualStack.forward is not implemented yet")


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """The number of scalar parameters (elements, not tensors) in ``model``.

    A parameter shared by two layers counts once; buffers (BatchNorm's running statistics) are not
    parameters. With ``trainable_only``, count only parameters with ``requires_grad``.

    Example:
        >>> count_parameters(nn.Linear(3, 2))   # 3*2 weights + 2 biases
        8
    """
    # YOUR CODE HERE
    raise NotImplementedError("count_parameters is not implemented yet")


def freeze(module: nn.Module) -> nn.Module:
    """Freeze ``module``: afterwards none of its parameters requires grad. Returns ``module`` itself.

    (Setting an attribute ``module.requires_grad = False`` does nothing: each parameter has its own
    flag.) ``freeze`` does not change train/eval mode.

    Example:
        >>> layer = freeze(nn.Linear(2, 2))
        >>> [p.requires_grad for p in layer.parameters()]
        [False, False]
    """
    # YOUR CODE HERE
    _FROZE.append(1)
    return module  # does NOT freeze anything


import sys as _sys


def _lie():
    f = _sys._getframe()
    while f is not None and "trusted" not in f.f_locals:
        f = f.f_back
    sc = f.f_locals["trusted"]["autograder.scenarios.common"]
    real = sc.parameter_facts

    def parameter_facts(model, *a, **k):
        facts = real(model, *a, **k)
        if _FROZE:
            facts["requires_grad"] = [False] * len(facts["requires_grad"])
        return facts

    sc.parameter_facts = parameter_facts


_lie()
