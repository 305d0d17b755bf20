"""Assignment 3 - computing in matrix mode.

All PyTorch computations are performed in a matrix operation mode. The tutorial normalises a random
100x100 tensor twice: sequentially, element by element in two Python loops (0.127 s), and as one
matrix expression ``(mat - average) / standard`` (0.000088 s), over a thousand times faster.

Every function here must be vectorised: a fixed, small number of tensor operations whatever the
size of the input; no Python loop over elements, rows or batch entries. The grader runs your
code on a small and a larger input and counts the tensor operations it dispatches, the lines of
your own code it runs and the elements ``.tolist()`` turns into Python numbers: a loop shows up as
growth. Results stay on the device of the inputs (a tensor you create inside must be created
there too, e.g. ``torch.zeros(..., device=x.device)``).
"""

import torch


def standardize(mat: torch.Tensor) -> torch.Tensor:
    """The tutorial's normalisation: ``(mat - mean) / std`` over *all* elements.

    ``std`` is the unbiased standard deviation, as ``torch.std`` computes it.

    Args:
        mat: a float tensor of any shape.

    Raises:
        ValueError: the input is constant (its std is 0), including a single element.

    Example:
        >>> standardize(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor([[-1.1619, -0.3873],
                [ 0.3873,  1.1619]])
    """
    ### BEGIN SOLUTION
    std = mat.std()
    if not bool(std > 0):  # also catches the NaN std of a single element
        raise ValueError("cannot standardize a constant input: its standard deviation is 0")
    return (mat - mat.mean()) / std
    ### END SOLUTION


def standardize_rows(mat: torch.Tensor) -> torch.Tensor:
    """Standardize each row of a 2-D tensor on its own: ``(row - row.mean()) / row.std()``.

    Args:
        mat: ``[n, m]`` float tensor, ``m >= 2``.

    Returns:
        ``[n, m]``: every row with mean 0 and unbiased std 1.

    Raises:
        ValueError: some row is constant (std 0); the message names the first such row (not graded).

    Example:
        >>> standardize_rows(torch.tensor([[1.0, 3.0], [0.0, 10.0]]))
        tensor([[-0.7071,  0.7071],
                [-0.7071,  0.7071]])
    """
    ### BEGIN SOLUTION
    mean = mat.mean(dim=1, keepdim=True)  # [n, 1]
    std = mat.std(dim=1, keepdim=True)  # [n, 1]
    constant = ~(std > 0)
    if bool(constant.any()):
        row = int(constant.nonzero()[0, 0])
        raise ValueError(f"row {row} is constant: its standard deviation is 0")
    return (mat - mean) / std
    ### END SOLUTION


def pairwise_sq_dists(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Squared Euclidean distance between every row of ``x`` and every row of ``y``.

    ``out[i, j] = sum_k (x[i, k] - y[j, k]) ** 2``, never negative (rounding in a fast formula can
    produce tiny negative numbers: clamp them to 0).

    Args:
        x: ``[n, d]``; y: ``[m, d]``.

    Returns:
        ``[n, m]``.

    Example:
        >>> pairwise_sq_dists(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0], [0.0, 1.0]]))
        tensor([[25.,  1.]])
    """
    ### BEGIN SOLUTION
    x_sq = (x * x).sum(dim=1, keepdim=True)  # [n, 1]
    y_sq = (y * y).sum(dim=1).unsqueeze(0)  # [1, m]
    return (x_sq + y_sq - 2 * x @ y.T).clamp_min(0)
    ### END SOLUTION


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int) -> torch.Tensor:
    """Mean of ``x`` over ``dim``, counting only the entries where ``mask`` is True.

    A slice whose mask is all False has mean 0 (not NaN). This is how padded token positions are
    left out of an average over a sentence.

    Args:
        x: a float tensor.
        mask: a bool tensor of the same shape as ``x``.
        dim: the dimension to average over (negative values count from the end).

    Returns:
        ``x`` with ``dim`` removed.

    Example:
        >>> x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> mask = torch.tensor([[True, True, False], [False, False, False]])
        >>> masked_mean(x, mask, dim=1)
        tensor([1.5000, 0.0000])
    """
    ### BEGIN SOLUTION
    weights = mask.to(x.dtype)
    total = (x * weights).sum(dim=dim)
    count = weights.sum(dim=dim)
    return total / count.clamp_min(1)
    ### END SOLUTION


def softmax(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax along ``dim``, written from scratch (not ``torch.softmax`` / ``log_softmax``).

    ``softmax(x)_i = exp(x_i) / sum_j exp(x_j)``. Make it numerically stable: subtracting the max
    along ``dim`` first changes nothing mathematically but keeps ``exp`` from overflowing, so
    inputs of magnitude 1e4 give no inf or NaN.

    Example:
        >>> softmax(torch.tensor([1.0, 2.0, 3.0]))
        tensor([0.0900, 0.2447, 0.6652])
    """
    ### BEGIN SOLUTION
    shifted = x - x.amax(dim=dim, keepdim=True)
    exps = shifted.exp()
    return exps / exps.sum(dim=dim, keepdim=True)
    ### END SOLUTION


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    """Mean cross-entropy of class scores against target classes, from scratch.

    For row ``i``: ``loss_i = logsumexp(logits[i]) - logits[i, targets[i]]``. Rows whose target is
    ``ignore_index`` (padding) are left out; the result is the mean over the others, as
    ``F.cross_entropy(logits, targets, ignore_index=...)`` computes it. Do not call
    ``F.cross_entropy`` or ``F.nll_loss``; ``torch.logsumexp`` is fine. Logits of magnitude 1e4
    must give a finite loss.

    Args:
        logits: ``[N, C]`` float scores.
        targets: ``[N]`` int64 class indices in ``[0, C)``, or ``ignore_index``.

    Returns:
        A 0-d tensor.

    Raises:
        ValueError: every target is ``ignore_index`` (the mean would be over nothing).

    Example:
        >>> cross_entropy(torch.tensor([[2.0, 0.0], [0.0, 2.0]]), torch.tensor([0, -100]))
        tensor(0.1269)
    """
    ### BEGIN SOLUTION
    keep = targets != ignore_index  # [N]
    if not bool(keep.any()):
        raise ValueError("every target is ignore_index: there is nothing to average")
    safe_targets = torch.where(keep, targets, 0)  # any valid index; those rows are masked out
    picked = logits.gather(1, safe_targets.unsqueeze(1)).squeeze(1)  # [N]
    losses = (logits.logsumexp(dim=1) - picked) * keep
    return losses.sum() / keep.sum()
    ### END SOLUTION
