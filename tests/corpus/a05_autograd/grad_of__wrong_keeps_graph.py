"""create_graph=True: the returned gradient requires grad."""


def grad_of(fn, x):
    leaf = x.detach().requires_grad_(True)
    return torch.autograd.grad(fn(leaf), leaf, create_graph=True)[0]
