"""Raises for every input: it earns no device point either (it never returns a result to compare)."""

LOSES = ("correctness", "device")


def shift_right(targets, bos_id):
    raise TypeError("work in progress")
