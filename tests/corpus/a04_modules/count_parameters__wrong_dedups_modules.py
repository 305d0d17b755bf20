"""Each module's own parameters, modules de-duplicated: a weight tied between two different layers
is counted twice."""


def count_parameters(model, trainable_only=False):
    return sum(
        p.numel() for m in model.modules() for p in m.parameters(recurse=False) if p.requires_grad or not trainable_only
    )
