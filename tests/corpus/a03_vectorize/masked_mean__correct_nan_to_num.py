"""Divides, then turns the 0/0 NaNs into 0."""


def masked_mean(x, mask, dim):
    m = mask.float().to(x.dtype)
    return torch.nan_to_num((x * m).sum(dim) / m.sum(dim), nan=0.0)
