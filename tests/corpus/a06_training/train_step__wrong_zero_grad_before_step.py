"""Clears the gradients between backward and step: nothing changes."""


def train_step(model, batch, loss_fn, optimizer):
    device = next(model.parameters()).device
    inputs, targets = batch[0].to(device), batch[1].to(device)
    model.train()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()
