"""Mean and unbiased variance from sums."""


def standardize(mat):
    n = mat.numel()
    mean = mat.sum() / n
    var = ((mat - mean) ** 2).sum() / (n - 1) if n > 1 else torch.tensor(0.0)
    if var.item() == 0:
        raise ValueError("input is constant")
    return (mat - mean) / var.sqrt()
