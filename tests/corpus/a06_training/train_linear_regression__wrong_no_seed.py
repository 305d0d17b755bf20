"""Never seeds: the initial weights are random."""


def train_linear_regression(x, y, epochs=60, lr=0.01, seed=0):
    model = nn.Linear(1, 1).to(x.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses
