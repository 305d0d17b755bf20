"""reshape(B, H, T, D) reinterprets memory instead of moving heads."""


def split_heads(x, n_heads):
    b, t, w = x.shape
    if w % n_heads:
        raise ValueError("indivisible")
    return x.reshape(b, n_heads, t, w // n_heads)
