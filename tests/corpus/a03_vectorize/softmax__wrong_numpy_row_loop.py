"""A Python loop over NumPy rows: two tensor operations whatever the size, so only the count of
lines run in the student's own code shows the loop."""

import numpy as np

LOSES = ("vectorised",)


def softmax(x, dim=-1):
    a = x.detach().cpu().numpy()
    moved = np.moveaxis(a, dim, -1)
    out = np.empty_like(moved)
    for index in np.ndindex(moved.shape[:-1]):
        row = np.exp(moved[index] - moved[index].max())
        out[index] = row / row.sum()
    return torch.from_numpy(np.moveaxis(out, -1, dim).copy()).to(x.device)
