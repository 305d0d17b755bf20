"""attention_mask as bool instead of int64: a dtype slip costs the one test that judges dtypes."""

LOSES = ("test_collate_pad_pads_right_and_keeps_order",)


def collate_pad(batch, pad_id=0, max_len=None):
    if not batch:
        raise ValueError("empty batch")
    seqs = [item["input_ids"] if max_len is None else item["input_ids"][:max_len] for item in batch]
    lengths = torch.tensor([len(s) for s in seqs], device=seqs[0].device)
    ids = torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_value=pad_id)
    mask = torch.arange(ids.shape[1], device=ids.device)[None, :] < lengths[:, None]
    out = {"input_ids": ids, "attention_mask": mask, "lengths": lengths}
    if "label" in batch[0]:
        out["labels"] = torch.tensor([item["label"] for item in batch], device=ids.device)
    return out
