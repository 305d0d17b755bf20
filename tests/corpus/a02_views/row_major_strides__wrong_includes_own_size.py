"""Each stride includes its own dimension."""

import math


def row_major_strides(shape):
    return tuple(math.prod(shape[i:]) for i in range(len(shape)))
