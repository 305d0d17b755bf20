"""An explicit loop."""


def storage_index(index, strides, offset=0):
    if len(index) != len(strides):
        raise ValueError(f"{len(index)} indices for {len(strides)} strides")
    position = offset
    for k in range(len(index)):
        position += index[k] * strides[k]
    return position
