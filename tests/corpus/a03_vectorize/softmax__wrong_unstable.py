"""No max subtraction: exp overflows at 1e4."""


def softmax(x, dim=-1):
    e = x.exp()
    return e / e.sum(dim=dim, keepdim=True)
