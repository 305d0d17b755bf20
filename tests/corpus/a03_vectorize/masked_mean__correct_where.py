"""torch.where zeroes the padded entries."""


def masked_mean(x, mask, dim):
    total = torch.where(mask, x, torch.zeros_like(x)).sum(dim)
    return total / mask.sum(dim).clamp(min=1)
