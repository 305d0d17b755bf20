"""Creates a tensor and reads its strides: right values, not the pure Python the task asks for."""

LOSES = ("test_row_major_strides_creates_no_tensor",)


def row_major_strides(shape):
    return tuple(torch.empty(shape).stride())
