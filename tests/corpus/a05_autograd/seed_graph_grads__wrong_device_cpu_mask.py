"""Builds relu's slope from a Python list: on the CPU."""

LOSES = ("device",)


def seed_graph_grads(a, b):
    slope = torch.tensor([float(v > 0) for v in b.reshape(-1).tolist()], dtype=b.dtype).reshape(b.shape)
    return torch.relu(b), (1 + a) * slope
