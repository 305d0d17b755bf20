"""Reshapes [B, H, T, D] straight to [B, T, H*D]."""


def merge_heads(x):
    b, h, t, d = x.shape
    return x.reshape(b, t, h * d)
