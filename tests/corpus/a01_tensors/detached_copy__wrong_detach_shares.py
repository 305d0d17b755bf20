"""detach() shares memory."""


def detached_copy(t):
    return t.detach()
