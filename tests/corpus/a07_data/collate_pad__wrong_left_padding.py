"""Pads on the left."""


def collate_pad(batch, pad_id=0, max_len=None):
    if not batch:
        raise ValueError("empty batch")
    seqs = [item["input_ids"] for item in batch]
    lengths = [len(s) if max_len is None else min(len(s), max_len) for s in seqs]
    width = max(lengths)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long, device=seqs[0].device)
    mask = torch.zeros_like(ids)
    for row, (s, n) in enumerate(zip(seqs, lengths)):
        ids[row, width - n :] = s[:n]
        mask[row, width - n :] = 1
    out = {"input_ids": ids, "attention_mask": mask, "lengths": torch.tensor(lengths, device=seqs[0].device)}
    if "label" in batch[0]:
        out["labels"] = torch.tensor([item["label"] for item in batch], device=seqs[0].device)
    return out
