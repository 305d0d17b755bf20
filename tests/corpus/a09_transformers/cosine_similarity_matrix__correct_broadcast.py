"""F.cosine_similarity with broadcasting."""


def cosine_similarity_matrix(a, b):
    return F.cosine_similarity(a.unsqueeze(1), b.unsqueeze(0), dim=-1)
