"""A fresh generator per draw: the uniform tensor restarts the stream."""


def seeded_pair(shape, seed):
    normal = torch.randn(shape, generator=torch.Generator().manual_seed(seed))
    uniform = torch.rand(shape, generator=torch.Generator().manual_seed(seed))
    return normal, uniform
