# Student version, generated from the reference solution by `python -m autograder release`.
# Replace every `raise NotImplementedError(...)` with your code; keep the names and signatures.
"""Assignment 7 - Dataset, DataLoader and collate.

In NLP the data set is far too big to use at once, so we sample batches. A ``Dataset`` says how many
examples there are (``__len__``) and returns one (``__getitem__``); a ``DataLoader`` draws indices,
fetches the examples and hands the list to a ``collate_fn`` that packs it into tensors::

    dl = DataLoader(myDataset(...), batch_size=..., collate_fn=get_batch, shuffle=...)
    for batch in dl:
        ...

Sentences have different lengths, so packing them means padding: every row is filled up to the
longest with ``pad_id``, and an attention mask says which positions are real tokens.
"""

from functools import partial

import torch
from torch.utils.data import DataLoader, Dataset


class SequenceDataset(Dataset):
    """Token-id sequences, with optional integer labels.

    ``__init__(sequences, labels=None)``: ``sequences`` is a list of lists of token ids (lengths may
    differ); ``labels`` a list of ints of the same length as ``sequences``, or None.
    Raises ValueError when ``labels`` is given with a different length.

    ``__getitem__(i)`` returns ``{"input_ids": LongTensor[L]}``, plus ``"label": int`` when there are
    labels. Negative ``i`` counts from the end, as for a list; out of range raises IndexError.

    Example:
        >>> data = SequenceDataset([[5, 6, 7], [8]], labels=[1, 0])
        >>> len(data), data[-1]
        (2, {'input_ids': tensor([8]), 'label': 0})
    """

    def __init__(self, sequences: list[list[int]], labels: list[int] | None = None) -> None:
        # YOUR CODE HERE
        raise NotImplementedError("SequenceDataset.__init__ is not implemented yet")

    def __len__(self) -> int:
        # YOUR CODE HERE
        raise NotImplementedError("SequenceDataset.__len__ is not implemented yet")

    def __getitem__(self, i: int) -> dict:
        # YOUR CODE HERE
        raise NotImplementedError("SequenceDataset.__getitem__ is not implemented yet")


def collate_pad(batch: list[dict], pad_id: int = 0, max_len: int | None = None) -> dict:
    """Pack a list of dataset items into padded tensors (a ``collate_fn``).

    Returns a dict with
    ``input_ids`` (LongTensor[B, T], each row right-padded with ``pad_id``),
    ``attention_mask`` (LongTensor[B, T], 1 on real tokens, 0 on padding),
    ``lengths`` (LongTensor[B], real tokens per row, after truncation) and, when the items have a
    ``"label"``, ``labels`` (LongTensor[B]). ``T`` is the longest length in the batch, capped at
    ``max_len``: longer rows are cut on the right. Rows keep the batch's order, and the tensors are
    created on the device of the items' ``input_ids``.

    Raises:
        ValueError: the batch is empty.

    Example:
        >>> out = collate_pad([{"input_ids": torch.tensor([5, 6, 7])}, {"input_ids": torch.tensor([8])}])
        >>> out["input_ids"]
        tensor([[5, 6, 7],
                [8, 0, 0]])
        >>> out["attention_mask"]
        tensor([[1, 1, 1],
                [1, 0, 0]])
    """
    # YOUR CODE HERE
    raise NotImplementedError("collate_pad is not implemented yet")


def make_loader(dataset: Dataset, batch_size: int, shuffle: bool = False, seed: int = 0, pad_id: int = 0) -> DataLoader:
    """A DataLoader whose batches go through :func:`collate_pad` with this ``pad_id``.

    With ``shuffle``, the order comes from a ``torch.Generator`` seeded with ``seed``: two loaders
    with the same seed give the same batches, and the global random state neither changes the order
    nor is changed by it.

    Example:
        >>> loader = make_loader(SequenceDataset([[5, 6, 7], [8], [9, 10]]), batch_size=2)
        >>> next(iter(loader))["input_ids"]
        tensor([[5, 6, 7],
                [8, 0, 0]])
    """
    # YOUR CODE HERE
    raise NotImplementedError("make_loader is not implemented yet")


def length_buckets(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Batches of indices that group sequences of similar length, to waste less padding.

    Sort the indices by length, shortest or longest first (either is right; so is the order of ties),
    then cut into batches of ``batch_size`` (the last may be shorter). Every index appears exactly
    once. The result can be a DataLoader's ``batch_sampler``.

    Example:
        >>> batches = length_buckets([5, 1, 4, 2], batch_size=2)
        >>> sorted(sorted(batch) for batch in batches)  # the two shortest together, the two longest
        [[0, 2], [1, 3]]
    """
    # YOUR CODE HERE
    raise NotImplementedError("length_buckets is not implemented yet")
