"""Returns [m, n] instead of [n, m]."""


def pairwise_sq_dists(x, y):
    return ((y[:, None, :] - x[None, :, :]) ** 2).sum(-1)
