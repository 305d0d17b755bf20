"""Returns the sorted lengths, not indices."""


def length_buckets(lengths, batch_size):
    ordered = sorted(lengths)
    return [ordered[s : s + batch_size] for s in range(0, len(ordered), batch_size)]
