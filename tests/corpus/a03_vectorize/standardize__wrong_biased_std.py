"""The biased std (divides by n, not n - 1)."""


def standardize(mat):
    std = mat.std(correction=0)
    if std == 0:
        raise ValueError("constant")
    return (mat - mat.mean()) / std
