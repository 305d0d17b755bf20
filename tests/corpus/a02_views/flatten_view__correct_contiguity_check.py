"""Checks is_contiguous first, views with numel()."""


def flatten_view(t):
    if not t.is_contiguous():
        raise ValueError("tensor is not contiguous; call .contiguous() first")
    return t.view(t.numel())
