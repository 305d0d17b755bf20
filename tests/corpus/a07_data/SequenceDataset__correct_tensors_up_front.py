"""Converts once in __init__; the list raises IndexError itself."""


class SequenceDataset(Dataset):
    def __init__(self, sequences, labels=None):
        if labels is not None and len(labels) != len(sequences):
            raise ValueError(f"got {len(sequences)} sequences and {len(labels)} labels")
        self.items = []
        for k, seq in enumerate(sequences):
            item = {"input_ids": torch.as_tensor(seq, dtype=torch.long)}
            if labels is not None:
                item["label"] = int(labels[k])
            self.items.append(item)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return dict(self.items[i])
