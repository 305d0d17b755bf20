"""The classic: the mask (and the lengths from it) read from the values, ``input_ids != pad_id``.
Wrong whenever a real token has the pad id (id 0 is a real token in many vocabularies)."""

LOSES = ("test_collate_pad_real_tokens_equal_to_pad_id",)


def collate_pad(batch, pad_id=0, max_len=None):
    if not batch:
        raise ValueError("empty batch")
    seqs = [item["input_ids"] if max_len is None else item["input_ids"][:max_len] for item in batch]
    ids = torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_value=pad_id)
    mask = (ids != pad_id).long()
    out = {"input_ids": ids, "attention_mask": mask, "lengths": mask.sum(dim=1)}
    if "label" in batch[0]:
        out["labels"] = torch.tensor([item["label"] for item in batch], device=ids.device)
    return out
