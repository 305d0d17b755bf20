"""No introspection at all: find the grader's channel by trying descriptor numbers, and answer the
grader's request with a forged reply before the real one (the nonce is not known: rejected)."""

import io

import numpy as np
import torch


def _forged() -> bytes:
    buffer = io.BytesIO()
    torch.save({"value": torch.tensor([[1, 2], [3, 4]]), "nonce": "guessed"}, buffer)
    data = buffer.getvalue()
    return len(data).to_bytes(4, "big") + data


def from_list(data, dtype=None):
    for fd in range(int("3"), 12):
        try:
            channel = open(fd, "wb", buffering=0, closefd=False)
            channel.write(_forged())
        except OSError:
            continue
    return torch.tensor(data, dtype=dtype)


def from_numpy_shared(array):
    return torch.from_numpy(np.asarray(array))
