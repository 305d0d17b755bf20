"""Writes the result into a buffer created on the CPU."""

LOSES = ("device",)


def standardize(mat):
    std = mat.std()
    if not std > 0:
        raise ValueError("constant input")
    out = torch.empty(mat.shape, dtype=mat.dtype)
    out[...] = (mat - mat.mean()) / std
    return out
