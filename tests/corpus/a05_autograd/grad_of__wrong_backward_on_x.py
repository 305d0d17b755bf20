"""Calls backward on x itself: x now requires grad and has a .grad."""


def grad_of(fn, x):
    x.requires_grad_(True)
    fn(x).backward()
    return x.grad.detach()
