"""Slices are views."""


def chunk_rows(t, size):
    return [t[start : start + size] for start in range(0, len(t), size)]
