"""Raises for every input: it earns no device point either (it never returns a result to compare)."""

LOSES = ("correctness", "device")


def describe(t):
    raise RuntimeError("I did not get to this one")
