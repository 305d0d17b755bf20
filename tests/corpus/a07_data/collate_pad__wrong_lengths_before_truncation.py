"""Reports the lengths before cutting at max_len."""


def collate_pad(batch, pad_id=0, max_len=None):
    if not batch:
        raise ValueError("empty batch")
    seqs = [item["input_ids"] for item in batch]
    width = max(len(s) for s in seqs) if max_len is None else min(max(len(s) for s in seqs), max_len)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long, device=seqs[0].device)
    mask = torch.zeros_like(ids)
    for row, s in enumerate(seqs):
        ids[row, : min(len(s), width)] = s[:width]
        mask[row, : min(len(s), width)] = 1
    out = {"input_ids": ids, "attention_mask": mask, "lengths": torch.tensor([len(s) for s in seqs], device=ids.device)}
    if "label" in batch[0]:
        out["labels"] = torch.tensor([item["label"] for item in batch], device=ids.device)
    return out
