"""Takes relu's slope at 0 as 1 (b >= 0)."""


def seed_graph_grads(a, b):
    return torch.relu(b), (1 + a) * (b >= 0).to(b.dtype)
