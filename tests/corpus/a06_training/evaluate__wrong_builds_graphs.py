"""No torch.no_grad(): a graph per batch."""


def evaluate(model, loader, loss_fn):
    was_training = model.training
    device = next(model.parameters()).device
    model.eval()
    total, count = 0.0, 0
    for inputs, targets in loader:
        total += loss_fn(model(inputs.to(device)), targets.to(device)).item() * len(inputs)
        count += len(inputs)
    model.train(was_training)
    if count == 0:
        raise ValueError("no examples")
    return total / count
