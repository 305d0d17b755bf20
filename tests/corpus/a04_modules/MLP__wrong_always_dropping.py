"""F.dropout with training=True: dropout even in eval mode."""

import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self, in_dim, hidden_dim, out_dim, dropout=0.0):
        super().__init__()
        self.p = dropout
        self.layers = nn.Sequential(
            nn.Linear(in_dim, hidden_dim), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden_dim, out_dim)
        )

    def forward(self, x):
        hidden = F.dropout(self.layers[1](self.layers[0](x)), self.p, training=True)
        return self.layers[3](hidden)
