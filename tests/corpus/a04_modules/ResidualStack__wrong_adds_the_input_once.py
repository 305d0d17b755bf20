"""Adds the original input to the last output only."""


class ResidualStack(nn.Module):
    def __init__(self, dim, depth):
        super().__init__()
        self.blocks = nn.ModuleList(
            [nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.ReLU()) for _ in range(depth)]
        )

    def forward(self, x):
        h = x
        for block in self.blocks:
            h = block(h)
        return x + h
