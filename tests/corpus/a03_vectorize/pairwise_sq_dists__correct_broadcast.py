"""Differences by broadcasting: exact, never negative."""


def pairwise_sq_dists(x, y):
    diff = x.unsqueeze(1) - y.unsqueeze(0)
    return (diff * diff).sum(dim=-1)
