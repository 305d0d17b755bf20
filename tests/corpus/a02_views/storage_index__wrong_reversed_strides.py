"""Pairs indices with strides in reverse."""


def storage_index(index, strides, offset=0):
    if len(index) != len(strides):
        raise ValueError("length mismatch")
    return offset + sum(i * s for i, s in zip(index, reversed(strides)))
