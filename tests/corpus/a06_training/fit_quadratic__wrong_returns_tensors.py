"""Returns tensors, not floats."""

_reference_fit = fit_quadratic


def fit_quadratic(xs, ys, lr=0.05, steps=2000):
    a, b = _reference_fit(xs, ys, lr, steps)
    return torch.tensor(a, device=xs.device), torch.tensor(b, device=xs.device)
