"""labels built with torch.Tensor(list): float32, where classes are int64 (what cross_entropy takes)."""


def collate_pad(batch, pad_id=0, max_len=None):
    if not batch:
        raise ValueError("cannot collate an empty batch")
    sequences = [item["input_ids"] for item in batch]
    lengths = [len(seq) if max_len is None else min(len(seq), max_len) for seq in sequences]
    width = max(lengths)
    device = sequences[0].device
    input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long, device=device)
    attention_mask = torch.zeros((len(batch), width), dtype=torch.long, device=device)
    for row, (seq, length) in enumerate(zip(sequences, lengths)):
        input_ids[row, :length] = seq[:length]
        attention_mask[row, :length] = 1
    out = {
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "lengths": torch.tensor(lengths, dtype=torch.long, device=device),
    }
    if "label" in batch[0]:
        out["labels"] = torch.Tensor([item["label"] for item in batch]).to(device)
    return out
