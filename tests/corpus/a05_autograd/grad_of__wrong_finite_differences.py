"""Numerical differences: not the exact gradient."""


def grad_of(fn, x):
    flat = x.detach().reshape(-1).clone()
    grads = torch.zeros_like(flat)
    for i in range(flat.numel()):
        step = torch.zeros_like(flat)
        step[i] = 1e-2
        grads[i] = (fn((flat + step).reshape(x.shape)) - fn((flat - step).reshape(x.shape))) / 2e-2
    return grads.reshape(x.shape)
