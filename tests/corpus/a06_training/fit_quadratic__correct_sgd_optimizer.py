"""torch.optim.SGD without momentum is plain gradient descent."""


def fit_quadratic(xs, ys, lr=0.05, steps=2000):
    params = [torch.zeros((), dtype=xs.dtype, device=xs.device, requires_grad=True) for _ in range(2)]
    optimizer = torch.optim.SGD(params, lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        quadratic_loss(params[0], params[1], xs, ys).backward()
        optimizer.step()
    return float(params[0]), float(params[1])
