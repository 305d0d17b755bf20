"""Sequential's own loop, written out."""


class MLP(nn.Module):
    def __init__(self, in_dim, hidden_dim, out_dim, dropout=0.0):
        super().__init__()
        layers = [nn.Linear(in_dim, hidden_dim), nn.ReLU(), nn.Dropout(p=dropout), nn.Linear(hidden_dim, out_dim)]
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        for module in self.layers:
            x = module(x)
        return x
