"""Products of the later sizes."""

import math


def row_major_strides(shape):
    return tuple(math.prod(max(s, 1) for s in shape[i + 1 :]) for i in range(len(shape)))
