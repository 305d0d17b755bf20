"""Feeds CPU batches to a model on the GPU."""

LOSES = ("device",)


def evaluate(model, loader, loss_fn):
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            total += loss_fn(model(inputs), targets).item() * len(inputs)
            count += len(inputs)
    model.train(was_training)
    if count == 0:
        raise ValueError("no examples")
    return total / count
