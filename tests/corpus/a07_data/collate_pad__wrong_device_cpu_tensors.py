"""Builds the batch on the CPU."""

LOSES = ("device",)


def collate_pad(batch, pad_id=0, max_len=None):
    if not batch:
        raise ValueError("empty batch")
    seqs = [item["input_ids"] for item in batch]
    lengths = [len(s) if max_len is None else min(len(s), max_len) for s in seqs]
    width = max(lengths)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, (s, n) in enumerate(zip(seqs, lengths)):
        ids[row, :n] = s[:n]
        mask[row, :n] = 1
    out = {"input_ids": ids, "attention_mask": mask, "lengths": torch.tensor(lengths)}
    if "label" in batch[0]:
        out["labels"] = torch.tensor([item["label"] for item in batch])
    return out
