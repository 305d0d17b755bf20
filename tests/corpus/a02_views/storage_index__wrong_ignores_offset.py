"""Forgets the storage offset."""


def storage_index(index, strides, offset=0):
    if len(index) != len(strides):
        raise ValueError("length mismatch")
    return sum(i * s for i, s in zip(index, strides))
