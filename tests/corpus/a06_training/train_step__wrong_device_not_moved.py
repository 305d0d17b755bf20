"""Feeds the CPU batch to a model on the GPU."""

LOSES = ("device",)


def train_step(model, batch, loss_fn, optimizer):
    inputs, targets = batch
    model.train()
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()
