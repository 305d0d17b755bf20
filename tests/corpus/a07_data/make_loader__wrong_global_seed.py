"""Seeds the global RNG instead of a generator of its own."""


def make_loader(dataset, batch_size, shuffle=False, seed=0, pad_id=0):
    torch.manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, collate_fn=partial(collate_pad, pad_id=pad_id))
