"""Records the loss after the step."""


def train_linear_regression(x, y, epochs=60, lr=0.01, seed=0):
    torch.manual_seed(seed)
    model = nn.Linear(1, 1).to(x.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            losses.append(nn.functional.mse_loss(model(x), y).item())
    return model, losses
