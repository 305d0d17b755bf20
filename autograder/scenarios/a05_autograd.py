"""Trusted helpers for ``test_a05_autograd.py``: scalar functions to differentiate, as a student
might pass them to ``grad_of``.
"""

from __future__ import annotations

import torch


# Functions for grad_of, as the student might pass them: scalar-valued, differentiable.
def sum_of_squares(x: torch.Tensor) -> torch.Tensor:
    return (x * x).sum()


def sin_dot(x: torch.Tensor) -> torch.Tensor:
    return (torch.sin(x) * x).sum()


def logsumexp_all(x: torch.Tensor) -> torch.Tensor:
    return torch.logsumexp(x.reshape(-1), dim=0)
