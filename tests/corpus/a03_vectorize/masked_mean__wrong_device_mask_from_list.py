"""Rebuilds the mask from a Python list: on the CPU, and slow (.tolist() per call)."""

LOSES = ("device", "vectorised")


def masked_mean(x, mask, dim):
    weights = torch.tensor(mask.tolist(), dtype=x.dtype)
    return (x * weights).sum(dim) / weights.sum(dim).clamp_min(1)
