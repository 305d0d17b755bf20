"""pad_sequence, then a mask from arange."""

from torch.nn.utils.rnn import pad_sequence


def collate_pad(batch, pad_id=0, max_len=None):
    if len(batch) == 0:
        raise ValueError("collate_pad needs at least one item")
    seqs = [item["input_ids"][:max_len] if max_len is not None else item["input_ids"] for item in batch]
    ids = pad_sequence(seqs, batch_first=True, padding_value=pad_id)
    lengths = torch.tensor([len(s) for s in seqs], device=ids.device)
    mask = (torch.arange(ids.shape[1], device=ids.device)[None, :] < lengths[:, None]).long()
    out = {"input_ids": ids, "attention_mask": mask, "lengths": lengths}
    if "label" in batch[0]:
        out["labels"] = torch.tensor([b["label"] for b in batch], device=ids.device)
    return out
