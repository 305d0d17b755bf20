"""Forgets that e depends on c directly (de/db = a * relu')."""


def seed_graph_grads(a, b):
    return torch.relu(b), a * (b > 0).to(b.dtype)
