"""inference_mode, sums weighted by shape[0]."""


def evaluate(model, loader, loss_fn):
    mode = model.training
    model.eval()
    device = next(model.parameters()).device
    weighted, seen = 0.0, 0
    with torch.inference_mode():
        for x, y in loader:
            n = x.shape[0]
            weighted += float(loss_fn(model(x.to(device)), y.to(device))) * n
            seen += n
    model.train(mode)
    if seen == 0:
        raise ValueError("no examples")
    return weighted / seen
