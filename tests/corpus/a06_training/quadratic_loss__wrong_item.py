"""Returns a Python float: no gradients can flow."""


def quadratic_loss(a, b, xs, ys):
    return ((a * xs**2 + b - ys) ** 2).mean().item()
