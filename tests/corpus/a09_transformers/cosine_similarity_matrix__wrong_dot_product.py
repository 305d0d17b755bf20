"""A plain dot product, not normalised."""


def cosine_similarity_matrix(a, b):
    return a @ b.T
