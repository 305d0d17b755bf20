"""model.train() after the step: the forward ran in whatever mode the model came in."""


def train_step(model, batch, loss_fn, optimizer):
    device = next(model.parameters()).device
    inputs, targets = batch[0].to(device), batch[1].to(device)
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    model.train()
    return loss.item()
