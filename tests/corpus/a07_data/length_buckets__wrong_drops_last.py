"""Drops the short last batch."""


def length_buckets(lengths, batch_size):
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    return [order[s : s + batch_size] for s in range(0, len(order) - batch_size + 1, batch_size)]
