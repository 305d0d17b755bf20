"""backward() every step without clearing .grad."""


def fit_quadratic(xs, ys, lr=0.05, steps=2000):
    a = torch.zeros((), requires_grad=True, device=xs.device)
    b = torch.zeros((), requires_grad=True, device=xs.device)
    for _ in range(steps):
        quadratic_loss(a, b, xs, ys).backward()
        with torch.no_grad():
            a -= lr * a.grad
            b -= lr * b.grad
    return a.item(), b.item()
