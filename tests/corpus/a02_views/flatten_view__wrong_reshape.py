"""reshape copies silently instead of refusing."""


def flatten_view(t):
    return t.reshape(-1)
