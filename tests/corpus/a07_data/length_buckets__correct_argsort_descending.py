"""torch.argsort, longest first."""


def length_buckets(lengths, batch_size):
    order = torch.argsort(torch.tensor(lengths), descending=True, stable=True).tolist()
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
