"""len(t) is the size of the first dimension, not the number of elements."""

_reference_describe = describe


def describe(t):
    return {**_reference_describe(t), "numel": len(t) if t.dim() else 1}
