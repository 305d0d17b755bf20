"""Borderline but legitimate a03: every function is vectorised, but slower than the reference in
ways a busy machine must never turn into lost points: host round trips through NumPy, float64
detours, extra full-size copies, a broadcasting [n, m, d] intermediate.
tests/test_fairness.py grades it repeatedly under load and expects identical per-test results;
``python -m autograder bench`` reports their variance."""

import numpy as np
import torch


def _host(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float64)


def _back(a: np.ndarray, like: torch.Tensor) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a)).to(device=like.device, dtype=like.dtype)


def standardize(mat: torch.Tensor) -> torch.Tensor:
    """A NumPy round trip in float64."""
    a = _host(mat)
    std = a.std(ddof=1) if a.size > 1 else float("nan")
    if not std > 0:
        raise ValueError("cannot standardize a constant input: its standard deviation is 0")
    return _back((a - a.mean()) / std, mat)


def standardize_rows(mat: torch.Tensor) -> torch.Tensor:
    """Extra copies and a float64 detour."""
    wide = mat.clone().double().contiguous()
    centred = wide - wide.mean(dim=1, keepdim=True)
    std = torch.sqrt((centred * centred).sum(dim=1, keepdim=True) / (wide.shape[1] - 1))
    constant = ~(std > 0)
    if bool(constant.any()):
        raise ValueError(f"row {int(constant.nonzero()[0, 0])} is constant: its standard deviation is 0")
    return (centred / std).to(mat.dtype).clone()


def pairwise_sq_dists(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The [n, m, d] broadcast: memory-bound, far slower than the matmul form, still vectorised."""
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int) -> torch.Tensor:
    """A NumPy round trip."""
    a, m = _host(x), mask.detach().cpu().numpy()
    total = np.where(m, a, 0.0).sum(axis=dim)
    count = np.maximum(m.sum(axis=dim), 1)
    return _back(total / count, x)


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """float64 all the way, then back."""
    wide = x.double()
    exps = (wide - wide.amax(dim=dim, keepdim=True)).exp()
    return (exps / exps.sum(dim=dim, keepdim=True)).to(x.dtype)


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    """A one-hot [N, C] matrix instead of gather: an extra full-size buffer."""
    keep = targets != ignore_index
    if not bool(keep.any()):
        raise ValueError("every target is ignore_index: the mean would be over nothing")
    safe = torch.where(keep, targets, torch.zeros_like(targets))
    one_hot = torch.nn.functional.one_hot(safe, logits.shape[1]).to(logits.dtype)
    picked = (logits * one_hot).sum(dim=1)
    losses = torch.logsumexp(logits, dim=1) - picked
    return (losses * keep).sum() / keep.sum()
