"""Never restores the previous mode."""


def evaluate(model, loader, loss_fn):
    device = next(model.parameters()).device
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            total += loss_fn(model(inputs.to(device)), targets.to(device)).item() * len(inputs)
            count += len(inputs)
    if count == 0:
        raise ValueError("no examples")
    return total / count
