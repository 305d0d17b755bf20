"""t.device.type says "cuda", not "cuda:0" (the same as str(t.device) on the CPU)."""

LOSES = ("device",)
_reference_describe = describe


def describe(t):
    return {**_reference_describe(t), "device": t.device.type}
