"""Blocks in a Python list: not registered. A plain list is invisible to .to(device) as well: the layers stay on the CPU."""

LOSES = ("correctness", "device")


class ResidualStack(nn.Module):
    def __init__(self, dim, depth):
        super().__init__()
        self.blocks = [nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.ReLU()) for _ in range(depth)]

    def forward(self, x):
        for block in self.blocks:
            x = x + block(x)
        return x
