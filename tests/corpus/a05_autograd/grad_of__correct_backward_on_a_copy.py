"""backward() on a detached copy."""


def grad_of(fn, x):
    copy = x.detach().clone().requires_grad_()
    fn(copy).backward()
    return copy.grad
