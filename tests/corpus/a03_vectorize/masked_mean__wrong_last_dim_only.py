"""Always averages over the last dimension."""


def masked_mean(x, mask, dim):
    m = mask.to(x.dtype)
    return (x * m).sum(-1) / m.sum(-1).clamp_min(1)
