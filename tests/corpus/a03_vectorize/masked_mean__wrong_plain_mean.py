"""Divides by the full length, padding included."""


def masked_mean(x, mask, dim):
    return (x * mask).mean(dim=dim)
