"""An empty last piece when the rows divide evenly."""


def chunk_rows(t, size):
    return [t[i : i + size] for i in range(0, t.shape[0] + 1, size)]
