"""A size-0 dimension zeroes the strides before it (torch steps over it as 1)."""


def row_major_strides(shape):
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= size
    return tuple(reversed(strides))
