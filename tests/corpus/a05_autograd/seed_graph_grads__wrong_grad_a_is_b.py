"""de/da = b instead of relu(b)."""


def seed_graph_grads(a, b):
    return b.clone(), (1 + a) * (b > 0).to(b.dtype)
