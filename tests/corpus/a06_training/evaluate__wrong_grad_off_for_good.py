"""torch.set_grad_enabled(False) and never back on: later training steps learn nothing."""


def evaluate(model, loader, loss_fn):
    was_training = model.training
    model.eval()
    torch.set_grad_enabled(False)
    device = next(model.parameters()).device
    total, seen = 0.0, 0
    for x, y in loader:
        total += loss_fn(model(x.to(device)), y.to(device)).item() * x.shape[0]
        seen += x.shape[0]
    model.train(was_training)
    if seen == 0:
        raise ValueError("the loader yielded no batches")
    return total / seen
