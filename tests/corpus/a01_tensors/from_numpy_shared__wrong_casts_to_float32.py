"""Casting to float32 copies and changes the dtype."""


def from_numpy_shared(array):
    if not isinstance(array, np.ndarray):
        raise TypeError("need an ndarray")
    return torch.as_tensor(array, dtype=torch.float32)
