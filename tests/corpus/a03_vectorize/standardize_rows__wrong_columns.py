"""Standardizes columns (dim 0) instead of rows."""


def standardize_rows(mat):
    std = mat.std(dim=1, keepdim=True)
    if (std == 0).any():
        raise ValueError("constant row")
    return (mat - mat.mean(dim=0, keepdim=True)) / mat.std(dim=0, keepdim=True)
