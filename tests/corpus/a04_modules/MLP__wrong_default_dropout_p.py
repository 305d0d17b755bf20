"""nn.Dropout() ignores the dropout argument (p=0.5)."""


class MLP(nn.Module):
    def __init__(self, in_dim, hidden_dim, out_dim, dropout=0.0):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(in_dim, hidden_dim), nn.ReLU(), nn.Dropout(), nn.Linear(hidden_dim, out_dim)
        )

    def forward(self, x):
        return self.layers(x)
