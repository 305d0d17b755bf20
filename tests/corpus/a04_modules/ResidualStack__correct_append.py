"""ModuleList.append, and an explicit residual variable."""


class ResidualStack(nn.Module):
    def __init__(self, dim, depth):
        super().__init__()
        self.blocks = nn.ModuleList()
        for _ in range(depth):
            self.blocks.append(nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.ReLU()))

    def forward(self, x):
        for i in range(len(self.blocks)):
            residual = x
            x = residual + self.blocks[i](x)
        return x
