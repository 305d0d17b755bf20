"""Trusted helpers for ``test_a06_training.py``."""

from __future__ import annotations


def quadratic_loss(a, b, xs, ys):
    """a06's quadratic_loss, for grading fit_quadratic on its own."""
    return ((a * xs**2 + b - ys) ** 2).mean()
