"""A tuple of pieces is accepted as a sequence."""


def chunk_rows(t, size):
    return t.split(size)
