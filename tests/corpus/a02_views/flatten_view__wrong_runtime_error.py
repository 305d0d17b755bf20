"""Lets view's RuntimeError escape."""


def flatten_view(t):
    return t.view(-1)
