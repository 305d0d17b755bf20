"""Broadcasts the other way: shape [m, n]."""


def outer_sum(a, b):
    return a[None, :] + b[:, None]
