# Student version, generated from the reference solution by `python -m autograder release`.
# Replace every `raise NotImplementedError(...)` with your code; keep the names and signatures.
"""Assignment 5 - autograd: backward, gradients, no_grad and detach.

PyTorch records how every tensor that requires grad was computed. ``loss.backward()`` walks that
graph backwards, applying the chain rule, and stores gradients in ``.grad``. The tutorial's graph:

    c = relu(b);  d = a * c;  e = c + d

Three ways to avoid gradients: ``tensor.requires_grad = False``, ``with torch.no_grad():`` and
``tensor.detach()``.
"""

from collections.abc import Callable

import torch
from torch import nn


def seed_graph_grads(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradients of the tutorial's graph, by hand (chain rule with tensor operations, no autograd).

    ``c = relu(b); d = a * c; e = c + d``, elementwise, ``a`` and ``b`` of the same shape. Return the
    gradients of ``e.sum()``: ``(de/da, de/db)``. relu's derivative is 1 where ``b > 0`` and 0
    elsewhere, *including* ``b == 0``.

    Do not call ``.backward()`` or ``torch.autograd.grad``: the grader checks that no autograd ran.

    Example:
        >>> seed_graph_grads(torch.tensor([2.0, 2.0]), torch.tensor([3.0, -1.0]))
        (tensor([3., 0.]), tensor([3., 0.]))
    """
    # YOUR CODE HERE
    raise NotImplementedError("seed_graph_grads is not implemented yet")


def grad_of(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The gradient of the scalar ``fn(x)`` with respect to ``x``, computed with autograd.

    Leave ``x`` exactly as it was: its ``requires_grad`` flag and its ``.grad`` (None or an existing
    gradient) must be unchanged afterwards. Hint: differentiate a detached copy, or use
    ``torch.autograd.grad``, which does not touch ``.grad``.

    Returns:
        A tensor of ``x``'s shape, not requiring grad.

    Example:
        >>> grad_of(lambda t: (t ** 2).sum(), torch.tensor([1.0, -3.0]))
        tensor([ 2., -6.])
    """
    # YOUR CODE HERE
    raise NotImplementedError("grad_of is not implemented yet")


def no_grad_forward(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Run ``model(x)`` without building a graph (for evaluation or inference).

    The output must not require grad (``grad_fn`` is None), the model's layers must run with
    gradients disabled (so no graph is recorded at all, not merely detached at the end), and the
    model's parameters must still require grad afterwards.

    Example:
        >>> model = nn.Linear(3, 1)
        >>> out = no_grad_forward(model, torch.ones(2, 3))
        >>> out.requires_grad, model.weight.requires_grad
        (False, True)
    """
    # YOUR CODE HERE
    raise NotImplementedError("no_grad_forward is not implemented yet")
