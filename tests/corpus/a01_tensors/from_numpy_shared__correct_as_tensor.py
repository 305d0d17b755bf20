"""as_tensor shares memory with a CPU ndarray."""


def from_numpy_shared(array):
    if type(array) is not np.ndarray:
        raise TypeError(f"expected numpy.ndarray, got {type(array)}")
    return torch.as_tensor(array)
