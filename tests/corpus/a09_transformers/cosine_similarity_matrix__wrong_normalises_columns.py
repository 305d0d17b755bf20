"""Normalises along the wrong dimension."""


def cosine_similarity_matrix(a, b):
    return F.normalize(a, dim=0) @ F.normalize(b, dim=0).T
