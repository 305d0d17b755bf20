# Student version, generated from the reference solution by `python -m autograder release`.
# Replace every `raise NotImplementedError(...)` with your code; keep the names and signatures.
"""Assignment 1 - the bricks of building models: tensors.

Tensors are very similar to arrays and matrices, but they can run on GPUs or other hardware
accelerators and they can record how they were computed. In this assignment you create tensors the
ways the tutorial shows (from a Python list, from NumPy, randomly, filled with ones or zeros, the
identity) and read their attributes (shape, dtype, device, requires_grad).

Every function must work for tensors on any device: results live on the device of the inputs, or on
the ``device`` argument when there is one.
"""

import numpy as np
import torch


def from_list(data: list | int | float | bool, dtype: torch.dtype | None = None) -> torch.Tensor:
    """Build a tensor from a (nested) Python list, as in ``T = torch.tensor([[1, 2], [3, 4]])``.

    Args:
        data: a number or a nested list of numbers, every row of the same length.
        dtype: the dtype to use; when ``None``, PyTorch infers it: Python ints give ``torch.int64``,
            floats ``torch.float32`` and bools ``torch.bool``.

    Returns:
        A new tensor whose shape follows the nesting of ``data`` (``[[1, 2], [3, 4]]`` -> ``[2, 2]``).

    Example:
        >>> from_list([[1, 2], [3, 4]]).dtype
        torch.int64
        >>> from_list([1, 2], dtype=torch.float64)
        tensor([1., 2.], dtype=torch.float64)
    """
    # YOUR CODE HERE
    raise NotImplementedError("from_list is not implemented yet")


def from_numpy_shared(array: np.ndarray) -> torch.Tensor:
    """Wrap a NumPy array as a tensor that shares its memory, as in ``torch.from_numpy(...)``.

    Sharing means no copy: writing ``array[0] = 42`` afterwards shows up in the tensor too.
    The tensor has the array's shape and the matching dtype (``float64`` stays ``float64``).

    Raises:
        TypeError: ``array`` is not a ``numpy.ndarray`` (a list, a tensor...).

    Example:
        >>> a = np.zeros(3)
        >>> t = from_numpy_shared(a)
        >>> a[0] = 42
        >>> t
        tensor([42.,  0.,  0.], dtype=torch.float64)
    """
    # YOUR CODE HERE
    raise NotImplementedError("from_numpy_shared is not implemented yet")


VALID_KINDS = ("zeros", "ones", "eye", "normal", "uniform")


def init_tensor(
    kind: str,
    shape: tuple[int, ...],
    *,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Create a tensor of the given ``kind``, the tutorial's ways of initialising one.

    Args:
        kind: one of ``"zeros"`` (``torch.zeros``), ``"ones"`` (``torch.ones``), ``"eye"``
            (``torch.eye(n, m)``, ones on the diagonal), ``"normal"`` (``torch.randn``, standard
            normal) or ``"uniform"`` (``torch.rand``, uniform on [0, 1)).
        shape: a tuple of ints; for ``"eye"`` it must be 2-D, ``(n, m)``.
        dtype: the dtype of the result.
        device: where to create it (``None``: the default device, the CPU).
        generator: a ``torch.Generator``; the random kinds draw from it when it is given, so the
            same seeded generator gives the same tensor.

    Raises:
        ValueError: ``"eye"`` with a shape that is not 2-D; an unknown ``kind`` (the message lists
            the valid kinds).

    Example:
        >>> init_tensor("eye", (2, 3))
        tensor([[1., 0., 0.],
                [0., 1., 0.]])
    """
    # YOUR CODE HERE
    raise NotImplementedError("init_tensor is not implemented yet")


def seeded_pair(shape: tuple[int, ...], seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw a reproducible (normal, uniform) pair from a private ``torch.Generator``.

    Seed a new ``torch.Generator`` with ``seed``, then draw, in this order, a standard-normal tensor
    and a uniform [0, 1) tensor, both float32 of the given ``shape``. The same seed must give the
    same two tensors, and the global random state (``torch.manual_seed``) must be left untouched:
    other code that uses ``torch.rand`` must not notice that you ran.

    Returns:
        ``(normal, uniform)``.

    Example:
        >>> a, b = seeded_pair((2, 2), seed=0)
        >>> c, d = seeded_pair((2, 2), seed=0)
        >>> torch.equal(a, c) and torch.equal(b, d)
        True
    """
    # YOUR CODE HERE
    raise NotImplementedError("seeded_pair is not implemented yet")


def describe(t: torch.Tensor) -> dict:
    """Report a tensor's attributes as plain Python values.

    Returns:
        A dict with keys
        ``"shape"`` (tuple of ints, e.g. ``(2, 2)``), ``"dtype"`` (str, e.g. ``"torch.int64"``),
        ``"device"`` (str, e.g. ``"cpu"`` or ``"cuda:0"``), ``"requires_grad"`` (bool),
        ``"numel"`` (int, the number of elements) and ``"is_leaf"`` (bool: created by the user rather
        than computed from tensors that require grad).

    Example:
        >>> describe(torch.tensor([[1, 2], [3, 4]]))["dtype"]
        'torch.int64'
    """
    # YOUR CODE HERE
    raise NotImplementedError("describe is not implemented yet")


def detached_copy(t: torch.Tensor) -> torch.Tensor:
    """A real copy of ``t``: same values, dtype and device, but no shared memory and no history.

    The tutorial shows that ``t.data`` is *not* a copy: it is a new view of the same memory, so
    ``a[0, 1] = 100`` shows up in ``a.data``. ``t.detach()`` shares memory too. Return a tensor
    that writing to ``t`` cannot change, and that does not require grad.

    Example:
        >>> a = torch.arange(4.0, requires_grad=True)
        >>> b = detached_copy(a)
        >>> b.requires_grad
        False
    """
    # YOUR CODE HERE
    raise NotImplementedError("detached_copy is not implemented yet")
