"""Bounds check off by one on the negative side: dataset[-len(dataset)] (the first item) is refused."""


class SequenceDataset(torch.utils.data.Dataset):
    def __init__(self, sequences, labels=None):
        if labels is not None and len(labels) != len(sequences):
            raise ValueError(f"{len(sequences)} sequences but {len(labels)} labels")
        self.sequences, self.labels = sequences, labels

    def __len__(self):
        return len(self.sequences)

    def __getitem__(self, i):
        if not -len(self) < i < len(self):
            raise IndexError(f"index {i} is out of range")
        item = {"input_ids": torch.tensor(self.sequences[i], dtype=torch.long)}
        if self.labels is not None:
            item["label"] = int(self.labels[i])
        return item
