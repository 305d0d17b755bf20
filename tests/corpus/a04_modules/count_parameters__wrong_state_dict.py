"""state_dict counts buffers and shared weights twice."""


def count_parameters(model, trainable_only=False):
    if trainable_only:
        return sum(p.numel() for p in model.parameters() if p.requires_grad)
    return sum(v.numel() for v in model.state_dict().values())
