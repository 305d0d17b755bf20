"""Every element becomes a Python float (.tolist()), summed by C builtins: no loop in the student's
code and no per-element tensor op, so only the count of converted elements shows it."""

LOSES = ("vectorised",)


def masked_mean(x, mask, dim):
    weights = mask.to(x.dtype)
    values = (x * weights).movedim(dim, -1)
    sums = torch.tensor([sum(row) for row in values.reshape(-1, values.shape[-1]).tolist()], dtype=x.dtype)
    total = sums.reshape(values.shape[:-1]).to(x.device)
    return total / weights.sum(dim).clamp_min(1)
