"""t.chunk(size) makes `size` pieces, not pieces of `size` rows."""


def chunk_rows(t, size):
    return list(t.chunk(size, dim=0))
