"""One slice at a time: right values, not vectorised."""

LOSES = ("vectorised",)


def masked_mean(x, mask, dim):
    xs = x.movedim(dim, -1)
    ms = mask.movedim(dim, -1)
    flat_x, flat_m = xs.reshape(-1, xs.shape[-1]), ms.reshape(-1, ms.shape[-1])
    means = []
    for row, keep in zip(flat_x, flat_m):
        means.append(row[keep].mean() if keep.any() else row.new_zeros(()))
    return torch.stack(means).reshape(xs.shape[:-1])
