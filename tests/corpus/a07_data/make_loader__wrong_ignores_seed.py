"""shuffle without a seeded generator: a new order every time."""


def make_loader(dataset, batch_size, shuffle=False, seed=0, pad_id=0):
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, collate_fn=partial(collate_pad, pad_id=pad_id))
