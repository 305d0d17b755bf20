"""A lambda collate and an explicit RandomSampler with its own generator."""

from torch.utils.data import RandomSampler, SequentialSampler


def make_loader(dataset, batch_size, shuffle=False, seed=0, pad_id=0):
    g = torch.Generator()
    g.manual_seed(seed)
    sampler = RandomSampler(dataset, generator=g) if shuffle else SequentialSampler(dataset)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        generator=g,
        collate_fn=lambda items: collate_pad(items, pad_id=pad_id),
    )
