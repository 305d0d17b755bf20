"""i % len wraps around instead of raising IndexError."""


class SequenceDataset(Dataset):
    def __init__(self, sequences, labels=None):
        if labels is not None and len(labels) != len(sequences):
            raise ValueError("lengths differ")
        self.sequences, self.labels = sequences, labels

    def __len__(self):
        return len(self.sequences)

    def __getitem__(self, i):
        i = i % len(self.sequences)
        item = {"input_ids": torch.tensor(self.sequences[i])}
        if self.labels is not None:
            item["label"] = self.labels[i]
        return item
