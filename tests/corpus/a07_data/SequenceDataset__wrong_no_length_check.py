"""Accepts labels of another length."""


class SequenceDataset(Dataset):
    def __init__(self, sequences, labels=None):
        self.sequences, self.labels = sequences, labels

    def __len__(self):
        return len(self.sequences)

    def __getitem__(self, i):
        item = {"input_ids": torch.tensor(self.sequences[i])}
        if self.labels is not None:
            item["label"] = self.labels[i]
        return item
