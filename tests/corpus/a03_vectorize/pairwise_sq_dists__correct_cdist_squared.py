"""cdist, squared."""


def pairwise_sq_dists(x, y):
    return torch.cdist(x, y).pow(2)
