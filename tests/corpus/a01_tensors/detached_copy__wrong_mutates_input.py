"""Turns off requires_grad on the caller's tensor."""


def detached_copy(t):
    t.requires_grad_(False)
    return t.clone()
