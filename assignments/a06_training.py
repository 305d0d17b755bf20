# Student version, generated from the reference solution by `python -m autograder release`.
# Replace every `raise NotImplementedError(...)` with your code; keep the names and signatures.
"""Assignment 6 - losses, optimizers and the training step.

Training repeats five steps: clear gradients (``optimizer.zero_grad()``), input data to the model,
compute the loss, compute gradients (``loss.backward()``), optimize the parameters
(``optimizer.step()``). The tutorial starts from a quadratic ``y = a*x**2 + b`` fitted to the points
(-1, 1), (1, 2), (2, 3), then trains ``nn.Linear(1, 1)`` on a toy linear-regression data set.
"""

from collections.abc import Callable, Iterable

import torch
from torch import nn

OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}


def quadratic_loss(
    a: torch.Tensor | float, b: torch.Tensor | float, xs: torch.Tensor, ys: torch.Tensor
) -> torch.Tensor:
    """The tutorial's loss for the model ``y' = a * x**2 + b``: ``L = mean((a*x**2 + b - y)**2)``.

    Args:
        a, b: 0-d tensors (or Python numbers); xs, ys: 1-D tensors of the same length.

    Returns:
        A 0-d tensor, differentiable with respect to ``a`` and ``b`` when they require grad.

    Example:
        >>> quadratic_loss(torch.tensor(1.0), torch.tensor(1.0), torch.tensor([-1.0, 1.0, 2.0]),
        ...                torch.tensor([1.0, 2.0, 3.0]))   # predictions 2, 2, 5
        tensor(1.6667)
    """
    # YOUR CODE HERE
    raise NotImplementedError("quadratic_loss is not implemented yet")


def fit_quadratic(xs: torch.Tensor, ys: torch.Tensor, lr: float = 0.05, steps: int = 2000) -> tuple[float, float]:
    """Fit ``a`` and ``b`` by plain gradient descent, with autograd computing the gradients.

    Start from ``a = b = 0`` (0-d tensors on ``xs``'s device that require grad). Each step: the
    loss of :func:`quadratic_loss`, its gradients, then ``a -= lr * grad_a`` and
    ``b -= lr * grad_b`` (without recording the update in the graph, and without letting gradients
    accumulate). On the tutorial's points this reaches the least-squares answer ``(0.5, 1.0)``.

    Returns:
        ``(a, b)`` as Python floats.

    Example:
        >>> xs, ys = torch.tensor([-1.0, 1.0, 2.0]), torch.tensor([1.5, 1.5, 3.0])  # y = 0.5 x**2 + 1
        >>> a, b = fit_quadratic(xs, ys)
        >>> round(a, 2), round(b, 2)
        (0.5, 1.0)
    """
    # YOUR CODE HERE
    raise NotImplementedError("fit_quadratic is not implemented yet")


def make_optimizer(name: str, params: Iterable[nn.Parameter], lr: float) -> torch.optim.Optimizer:
    """``torch.optim.SGD``, ``Adam`` or ``AdamW`` over ``params`` with learning rate ``lr``.

    Args:
        name: ``"sgd"``, ``"adam"`` or ``"adamw"`` (any capitalisation).

    Raises:
        ValueError: an unknown name; the message lists the valid ones.

    Example:
        >>> make_optimizer("Adam", nn.Linear(2, 1).parameters(), lr=0.1).__class__.__name__
        'Adam'
        >>> make_optimizer("rmsprop", nn.Linear(2, 1).parameters(), lr=0.1)
        Traceback (most recent call last):
            ...
        ValueError: ...
    """
    # YOUR CODE HERE
    raise NotImplementedError("make_optimizer is not implemented yet")


def train_step(
    model: nn.Module,
    batch: tuple[torch.Tensor, torch.Tensor],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    optimizer: torch.optim.Optimizer,
) -> float:
    """One training step on ``batch = (inputs, targets)``; returns the loss as a Python float.

    Move the batch to the model's device, put the model in training mode, then: clear gradients,
    forward, loss, backward, step. Exactly one optimizer step, and no gradient left over from an
    earlier call may leak into this one.

    Example:
        >>> model = nn.Linear(1, 1)
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> batch = (torch.ones(4, 1), torch.zeros(4, 1))
        >>> first = train_step(model, batch, nn.MSELoss(), optimizer)
        >>> second = train_step(model, batch, nn.MSELoss(), optimizer)
        >>> isinstance(first, float), second < first
        (True, True)
    """
    # YOUR CODE HERE
    raise NotImplementedError("train_step is not implemented yet")


def evaluate(
    model: nn.Module,
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> float:
    """The mean loss over every example the loader yields, as a Python float.

    ``loss_fn`` returns a batch *mean*, so weight each batch by its number of examples (the last
    batch may be shorter). Run in eval mode and without gradients, batches moved to the model's
    device; afterwards the model is back in the mode it was in (train or eval).

    Raises:
        ValueError: the loader yields no examples.

    Example:
        >>> model = nn.Linear(1, 1)
        >>> with torch.no_grad():
        ...     _ = model.weight.fill_(2.0), model.bias.fill_(0.0)
        >>> batches = [(torch.ones(2, 1), torch.zeros(2, 1)), (torch.ones(1, 1), torch.ones(1, 1))]
        >>> evaluate(model, batches, nn.MSELoss())  # (4 + 4 + 1) / 3 examples
        3.0
    """
    # YOUR CODE HERE
    raise NotImplementedError("evaluate is not implemented yet")


def train_linear_regression(
    x: torch.Tensor, y: torch.Tensor, epochs: int = 60, lr: float = 0.01, seed: int = 0
) -> tuple[nn.Linear, list[float]]:
    """The tutorial's linear regression: ``nn.Linear(1, 1)``, ``nn.MSELoss``, SGD, full batch.

    Call ``torch.manual_seed(seed)`` first, then create the model (so the initial weights are
    reproducible) and move it to ``x``'s device. Each epoch: forward on all of ``x``, loss, clear
    gradients, backward, step; record that epoch's loss (computed before its step) as a float.

    Args:
        x, y: ``[N, 1]`` float tensors.

    Returns:
        ``(model, losses)`` with ``len(losses) == epochs``.

    Example:
        >>> x = torch.linspace(0, 1, 20).unsqueeze(1)
        >>> model, losses = train_linear_regression(x, 2 * x + 1, epochs=60, lr=0.1)
        >>> len(losses), losses[-1] < losses[0]
        (60, True)
    """
    # YOUR CODE HERE
    raise NotImplementedError("train_linear_regression is not implemented yet")
