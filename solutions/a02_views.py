"""Assignment 2 - strides, view vs reshape, and matrix operations.

A tensor is a block of memory (its *storage*) plus a way to read it: a shape, an offset and a
*stride* per dimension, the step in storage to the next element along that dimension
(``torch.arange(9).reshape(3, 3).stride() == (3, 1)``).

``view`` never copies: it reinterprets the same storage, so it fails on tensors whose memory is not
laid out for the new shape (for example after ``transpose``). ``reshape`` returns a view when it
can and a copy (``contiguous`` + ``view``) when it cannot. Attention layers use exactly these moves
to split a hidden vector into heads and merge them back.
"""

import torch


def row_major_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The strides of a contiguous (row-major) tensor of this shape, in pure Python.

    The last dimension has stride 1; each earlier dimension steps over everything after it.
    Must equal ``torch.empty(shape).stride()``, including its convention for a size-0 dimension
    (it is stepped over as if it had size 1). Do not create a tensor.

    Args:
        shape: a tuple of non-negative ints (may be empty: a 0-d tensor has strides ``()``).

    Example:
        >>> row_major_strides((2, 3, 4))
        (12, 4, 1)
    """
    ### BEGIN SOLUTION
    strides = []
    step = 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))
    ### END SOLUTION


def storage_index(index: tuple[int, ...], strides: tuple[int, ...], offset: int = 0) -> int:
    """Where element ``t[index]`` lives in storage: ``offset + sum(i * s for i, s in zip(...))``.

    Args:
        index: a tuple of non-negative ints, one per dimension.
        strides: the tensor's strides, ``t.stride()``.
        offset: the tensor's ``t.storage_offset()``.

    Raises:
        ValueError: ``index`` and ``strides`` have different lengths.

    Example:
        >>> storage_index((1, 2), (3, 1))      # torch.arange(9).reshape(3, 3)[1, 2]
        5
        >>> storage_index((1, 2), (1, 3))      # ... .transpose(0, 1)[1, 2]
        7
    """
    ### BEGIN SOLUTION
    if len(index) != len(strides):
        raise ValueError(f"index has {len(index)} dimensions but strides has {len(strides)}")
    return offset + sum(i * s for i, s in zip(index, strides))
    ### END SOLUTION


def flatten_view(t: torch.Tensor) -> torch.Tensor:
    """Flatten ``t`` to 1-D as a *view*: no copy, the result shares ``t``'s storage.

    A 0-d tensor becomes shape ``[1]``.

    Raises:
        ValueError: no view is possible (``t`` is not laid out contiguously, e.g. after
            ``transpose``); the message must tell the caller to use ``.contiguous()`` or ``reshape``.

    Example:
        >>> a = torch.tensor([[1, 2], [3, 4]])
        >>> flatten_view(a)
        tensor([1, 2, 3, 4])
    """
    ### BEGIN SOLUTION
    try:
        return t.view(-1)
    except RuntimeError:
        raise ValueError(
            "cannot flatten this tensor as a view: its memory is not contiguous; "
            "call .contiguous() first or use reshape"
        ) from None
    ### END SOLUTION


def flatten_any(t: torch.Tensor) -> torch.Tensor:
    """Flatten ``t`` to 1-D, always: a view when possible (shares storage), else a copy.

    This is ``reshape``'s contract. The input must not be modified.

    Example:
        >>> a = torch.tensor([[1, 2], [3, 4]])
        >>> flatten_any(a.transpose(0, 1))
        tensor([1, 3, 2, 4])
    """
    ### BEGIN SOLUTION
    return t.reshape(-1)
    ### END SOLUTION


def split_heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    """Split the last dimension into heads: ``[B, T, H*D] -> [B, H, T, D]``.

    ``out[b, h, t, d] == x[b, t, h * D + d]``: head ``h`` owns the ``h``-th block of ``D`` features.

    Raises:
        ValueError: the last dimension is not divisible by ``n_heads``.

    Example:
        >>> split_heads(torch.zeros(2, 5, 12), 3).shape
        torch.Size([2, 3, 5, 4])
    """
    ### BEGIN SOLUTION
    batch, steps, width = x.shape
    if width % n_heads != 0:
        raise ValueError(f"the last dimension ({width}) is not divisible by n_heads={n_heads}")
    return x.reshape(batch, steps, n_heads, width // n_heads).transpose(1, 2)
    ### END SOLUTION


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """Merge heads back: ``[B, H, T, D] -> [B, T, H*D]``, the inverse of ``split_heads``.

    The result must be contiguous (the next ``Linear`` layer would otherwise pay for a copy later).

    Example:
        >>> x = torch.randn(2, 5, 12)
        >>> torch.equal(merge_heads(split_heads(x, 3)), x)
        True
    """
    ### BEGIN SOLUTION
    batch, heads, steps, depth = x.shape
    return x.transpose(1, 2).reshape(batch, steps, heads * depth)
    ### END SOLUTION


def outer_sum(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``[n], [m] -> [n, m]`` with ``out[i, j] = a[i] + b[j]``, by broadcasting (no loops).

    Example:
        >>> outer_sum(torch.tensor([0, 10]), torch.tensor([1, 2, 3]))
        tensor([[ 1,  2,  3],
                [11, 12, 13]])
    """
    ### BEGIN SOLUTION
    return a.unsqueeze(1) + b.unsqueeze(0)
    ### END SOLUTION


def chunk_rows(t: torch.Tensor, size: int) -> list[torch.Tensor]:
    """Cut ``t`` along dim 0 into pieces of at most ``size`` rows; the last piece may be shorter.

    Like the tutorial's ``torch.split(T, 2, dim=0)`` on a ``(5, 6, 7)`` tensor, which gives pieces
    of 2, 2 and 1 rows. Every piece is a view of ``t`` (no copies).

    Returns:
        A list of tensors, in order (a tuple is accepted too).

    Example:
        >>> [p.shape[0] for p in chunk_rows(torch.randn(5, 6, 7), 2)]
        [2, 2, 1]
    """
    ### BEGIN SOLUTION
    return list(torch.split(t, size, dim=0))
    ### END SOLUTION
