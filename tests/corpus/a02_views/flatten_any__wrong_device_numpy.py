"""A NumPy round trip: right values on the CPU, impossible on a GPU (and the result is a new
tensor over the same memory, not a view PyTorch knows about)."""

LOSES = ("device", "test_flatten_any_is_a_view_when_possible")


def flatten_any(t):
    return torch.from_numpy(t.numpy().reshape(-1))
