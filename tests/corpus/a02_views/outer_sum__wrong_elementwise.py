"""a + b is elementwise, not outer."""


def outer_sum(a, b):
    return a + b
