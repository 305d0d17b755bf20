"""Calls torch.softmax: right values, but not from scratch."""

LOSES = ("test_softmax_from_scratch",)


def softmax(x, dim=-1):
    return torch.softmax(x, dim=dim)
