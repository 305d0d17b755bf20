"""zero_grad(set_to_none=False), device from the first parameter, float()."""


def train_step(model, batch, loss_fn, optimizer):
    model.train()
    device = next(iter(model.parameters())).device
    x, y = [t.to(device) for t in batch]
    optimizer.zero_grad(set_to_none=False)
    output = model(x)
    loss = loss_fn(output, y)
    loss.backward()
    optimizer.step()
    return float(loss)
