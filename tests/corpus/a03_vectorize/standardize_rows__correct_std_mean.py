"""torch.std_mean along dim 1."""


def standardize_rows(mat):
    std, mean = torch.std_mean(mat, dim=1, keepdim=True)
    if torch.any(std == 0):
        raise ValueError("a row is constant")
    return (mat - mean) / std
