"""Returns the loss tensor instead of a float."""

_reference_step = train_step


def train_step(model, batch, loss_fn, optimizer):
    return torch.tensor(_reference_step(model, batch, loss_fn, optimizer))
