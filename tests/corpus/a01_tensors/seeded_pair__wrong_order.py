"""Draws the uniform tensor first."""


def seeded_pair(shape, seed):
    generator = torch.Generator().manual_seed(seed)
    uniform = torch.rand(shape, generator=generator)
    normal = torch.randn(shape, generator=generator)
    return normal, uniform
