"""Pair by pair: right values, not vectorised."""

LOSES = ("vectorised",)


def cosine_similarity_matrix(a, b):
    out = torch.zeros(a.shape[0], b.shape[0], device=a.device, dtype=a.dtype)
    for i in range(a.shape[0]):
        for j in range(b.shape[0]):
            out[i, j] = F.cosine_similarity(a[i], b[j], dim=0)
    return out
