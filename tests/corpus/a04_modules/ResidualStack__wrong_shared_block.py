"""One block repeated: every level shares its weights."""


class ResidualStack(nn.Module):
    def __init__(self, dim, depth):
        super().__init__()
        block = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.ReLU())
        self.blocks = nn.ModuleList([block for _ in range(depth)])

    def forward(self, x):
        for block in self.blocks:
            x = x + block(x)
        return x
