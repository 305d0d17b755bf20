"""named_parameters(remove_duplicate=False): a shared layer counts twice."""


def count_parameters(model, trainable_only=False):
    return sum(
        p.numel() for _, p in model.named_parameters(remove_duplicate=False) if p.requires_grad or not trainable_only
    )
