"""Splits the width as (D, H): heads interleave features."""


def split_heads(x, n_heads):
    b, t, w = x.shape
    if w % n_heads:
        raise ValueError("indivisible")
    return x.reshape(b, t, w // n_heads, n_heads).permute(0, 3, 1, 2)
