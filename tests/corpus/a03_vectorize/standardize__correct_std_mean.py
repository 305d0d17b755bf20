"""torch.std_mean, checking max == min for constants."""


def standardize(mat):
    if mat.numel() < 2 or mat.max() == mat.min():
        raise ValueError("constant input has no spread")
    std, mean = torch.std_mean(mat)
    return (mat - mean) / std
