"""Passes collate_pad as is: pad_id is ignored."""


def make_loader(dataset, batch_size, shuffle=False, seed=0, pad_id=0):
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        generator=torch.Generator().manual_seed(seed),
        collate_fn=collate_pad,
    )
