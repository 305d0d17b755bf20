"""unflatten + permute."""


def split_heads(x, n_heads):
    if x.shape[-1] % n_heads != 0:
        raise ValueError(f"{x.shape[-1]} features do not split into {n_heads} heads")
    return x.unflatten(-1, (n_heads, -1)).permute(0, 2, 1, 3)
