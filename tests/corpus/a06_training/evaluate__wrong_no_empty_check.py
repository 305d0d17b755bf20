"""Divides by the number of examples without checking it: an empty loader raises ZeroDivisionError
instead of the documented ValueError (or, with a float count, returns nan)."""


def evaluate(model, loader, loss_fn):
    was_training = model.training
    device = next(model.parameters()).device
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            total += loss_fn(model(inputs), targets).item() * len(inputs)
            count += len(inputs)
    model.train(was_training)
    return total / count
