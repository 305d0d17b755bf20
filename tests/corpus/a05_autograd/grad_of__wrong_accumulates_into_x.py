"""Reuses x when it already requires grad: adds to and then clears its .grad."""


def grad_of(fn, x):
    leaf = x if x.requires_grad else x.detach().requires_grad_(True)
    fn(leaf).backward()
    gradient = leaf.grad.clone()
    leaf.grad = None
    return gradient
