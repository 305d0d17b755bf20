"""Reads 2-D input column by column."""


def flatten_any(t):
    return t.t().reshape(-1) if t.dim() == 2 else t.reshape(-1)
