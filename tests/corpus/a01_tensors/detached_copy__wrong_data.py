"""t.data is a view of the same memory (the tutorial's point)."""


def detached_copy(t):
    return t.data
