"""[layer] * n: one layer registered n times, shared weights."""


class ParallelLinear(nn.Module):
    def __init__(self, dim, n):
        super().__init__()
        self.linears = nn.ModuleList([nn.Linear(dim, dim)] * n)

    def forward(self, x):
        return tuple(linear(x) for linear in self.linears)
