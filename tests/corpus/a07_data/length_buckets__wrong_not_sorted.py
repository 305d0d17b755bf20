"""Chunks the indices in their own order."""


def length_buckets(lengths, batch_size):
    order = list(range(len(lengths)))
    return [order[s : s + batch_size] for s in range(0, len(order), batch_size)]
