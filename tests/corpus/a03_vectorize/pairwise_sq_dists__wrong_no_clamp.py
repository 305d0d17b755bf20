"""The fast formula without clamping: rounding gives small negatives."""


def pairwise_sq_dists(x, y):
    return (x * x).sum(1)[:, None] + (y * y).sum(1)[None, :] - 2 * x @ y.T
