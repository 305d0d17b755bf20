"""fork_rng restores the global state on exit."""


def seeded_pair(shape, seed):
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return torch.randn(shape), torch.rand(shape)
