"""Sums the squared errors instead of averaging."""


def quadratic_loss(a, b, xs, ys):
    return ((a * xs**2 + b - ys) ** 2).sum()
