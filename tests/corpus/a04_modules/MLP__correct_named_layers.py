"""A Sequential of named layers (an OrderedDict): the task fixes the attribute and the order, not the
layers' names."""

from collections import OrderedDict


class MLP(nn.Module):
    def __init__(self, in_dim, hidden_dim, out_dim, dropout=0.0):
        super().__init__()
        self.layers = nn.Sequential(
            OrderedDict(
                [
                    ("fc1", nn.Linear(in_dim, hidden_dim)),
                    ("act", nn.ReLU()),
                    ("drop", nn.Dropout(dropout)),
                    ("fc2", nn.Linear(hidden_dim, out_dim)),
                ]
            )
        )

    def forward(self, x):
        return self.layers(x)
