"""The tutorial's sequential version: right values, one element at a time."""

LOSES = ("vectorised",)


def standardize(mat):
    average = torch.mean(mat)
    standard = torch.std(mat)
    if not standard > 0:
        raise ValueError("constant input")
    flat = mat.reshape(-1)
    output = torch.zeros_like(flat)
    for i in range(flat.shape[0]):
        output[i] = (flat[i] - average) / standard
    return output.reshape(mat.shape)
