"""A loop over rows: right values, but not by broadcasting."""

LOSES = ("vectorised",)


def outer_sum(a, b):
    return torch.stack([a[i] + b for i in range(a.shape[0])])
