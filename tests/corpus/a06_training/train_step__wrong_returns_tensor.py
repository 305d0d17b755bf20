"""Returns the loss tensor instead of a float."""

_reference_step = train_step


def train_step(model, batch, loss_fn, optimizer):
    loss = _reference_step(model, batch, loss_fn, optimizer)
    return torch.tensor(loss, device=next(model.parameters()).device)
