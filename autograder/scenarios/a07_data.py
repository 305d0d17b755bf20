"""Trusted helpers for ``test_a07_data.py``: a token dataset, a trusted ``collate_pad``, and loaders
read back as plain batches.
"""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader


class TokenDataset(torch.utils.data.Dataset):
    """A trusted dataset of ``{"input_ids", "label"}`` items, for grading make_loader on its own."""

    def __init__(self, sequences: list[list[int]], labels: list[int]) -> None:
        self.sequences, self.labels = sequences, labels

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, i: int) -> dict:
        return {"input_ids": torch.tensor(self.sequences[i], dtype=torch.long), "label": self.labels[i]}


def collate_pad(batch: list[dict], pad_id: int = 0, max_len: int | None = None) -> dict:
    """a07's collate_pad, for grading make_loader on its own."""
    lengths = [len(item["input_ids"]) if max_len is None else min(len(item["input_ids"]), max_len) for item in batch]
    input_ids = torch.full((len(batch), max(lengths)), pad_id, dtype=torch.long)
    for row, (item, length) in enumerate(zip(batch, lengths)):
        input_ids[row, :length] = item["input_ids"][:length]
    out = {
        "input_ids": input_ids,
        "attention_mask": (torch.arange(max(lengths)) < torch.tensor(lengths)[:, None]).long(),
    }
    out["lengths"] = torch.tensor(lengths)
    if "label" in batch[0]:
        out["labels"] = torch.tensor([item["label"] for item in batch])
    return out


def batches(loader) -> list:
    """Everything one pass over ``loader`` yields."""
    return list(loader)


def batches_with_global_seed(loader, seed: int) -> list:
    torch.manual_seed(seed)
    return list(loader)


def load_with_batch_sampler(sequences: list[list[int]], labels: list[int], batch_sampler) -> list:
    loader = DataLoader(TokenDataset(sequences, labels), batch_sampler=batch_sampler, collate_fn=collate_pad)
    return list(loader)
