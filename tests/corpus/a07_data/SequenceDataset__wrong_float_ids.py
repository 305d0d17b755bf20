"""Token ids as floats."""


class SequenceDataset(Dataset):
    def __init__(self, sequences, labels=None):
        if labels is not None and len(labels) != len(sequences):
            raise ValueError("lengths differ")
        self.sequences, self.labels = sequences, labels

    def __len__(self):
        return len(self.sequences)

    def __getitem__(self, i):
        item = {"input_ids": torch.tensor(self.sequences[i], dtype=torch.float32)}
        if self.labels is not None:
            item["label"] = self.labels[i]
        return item
