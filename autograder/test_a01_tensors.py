"""Hidden suite for a01_tensors: creating tensors and reading their attributes."""

import pytest
import torch

from autograder.api import (
    Raised,
    expect_equal,
    expect_like_cpu,
    expect_raises,
    expect_same_on_device,
    expect_tensor,
    expect_type,
    fail,
    inputs,
    on_cpu_first,
    on_device,
    shares_memory,
)

ASSIGNMENT = "a01_tensors"
FUNCTIONS = ("from_list", "from_numpy_shared", "init_tensor", "seeded_pair", "describe", "detached_copy")
# The kinds of test each function must have: the plugin refuses to collect the suite without them.
REQUIRES = {
    "from_list": ("correctness",),
    "from_numpy_shared": ("correctness", "errors"),
    "init_tensor": ("correctness", "errors", "device"),
    "seeded_pair": ("correctness",),
    "describe": ("correctness", "device"),
    "detached_copy": ("correctness", "device"),
}

FLOAT_DTYPES = (torch.float32, torch.float64)


# -- from_list -----------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_from_list_infers_int64_float32_bool(student, rng):
    """Ints, floats and bools, in nested lists of random shapes, keep PyTorch's inferred dtypes."""
    for dtype in (torch.int64, torch.float32, torch.bool):
        expected = inputs.tensor(rng, inputs.shape(rng, ndim=(1, 3)), dtype)
        expect_tensor(student.from_list(expected.tolist()), expected)


@pytest.mark.points(1)
def test_from_list_scalar(student, rng):
    value = inputs.randint(rng, -50, 50)
    expect_tensor(student.from_list(value), torch.tensor(value))


@pytest.mark.points(2)
def test_from_list_dtype_argument(student, rng):
    for dtype in (torch.float64, torch.int32, torch.float16):
        data = inputs.tensor(rng, inputs.shape(rng, ndim=(1, 2)), torch.int64).tolist()
        expect_tensor(student.from_list(data, dtype=dtype), torch.tensor(data, dtype=dtype))


# -- from_numpy_shared ---------------------------------------------------------------------------
@pytest.mark.points(1)
def test_from_numpy_shared_values_and_dtype(student, rng):
    for dtype in (torch.float64, torch.float32, torch.int32, torch.int64):
        expected = inputs.tensor(rng, inputs.shape(rng, ndim=(1, 3)), dtype)
        expect_tensor(student.from_numpy_shared(expected.numpy()), expected)


@pytest.mark.points(2)
def test_from_numpy_shared_shares_memory(student, worker, rng):
    """The tutorial's point: a write to the array must show in the tensor (no copy was made)."""
    n = inputs.randint(rng, 3, 8)
    array = worker.make("numpy.zeros", n)
    tensor = student.from_numpy_shared.keep(array)
    array.fill(42.0)
    got = tensor.fetch()
    expect_type(got, torch.Tensor)
    if not bool((got == 42.0).all()):
        fail(
            "after `array.fill(42.0)` the tensor still holds the old values: it copied the array "
            "instead of sharing its memory (use torch.from_numpy)"
        )


@pytest.mark.points(1)
@pytest.mark.kind("errors")
def test_from_numpy_shared_rejects_non_arrays(student, rng):
    data = inputs.tensor(rng, (3,), torch.float64)
    for bad, what in ((data.tolist(), "a list, not a NumPy array"), (data, "a tensor, not a NumPy array")):
        with expect_raises(TypeError, special=what):
            student.from_numpy_shared(bad)


# -- init_tensor ---------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_init_tensor_zeros_and_ones(student, rng):
    for kind, make in (("zeros", torch.zeros), ("ones", torch.ones)):
        for dtype in (torch.float32, torch.float64, torch.int64):
            dims = inputs.shape(rng)
            expect_tensor(student.init_tensor(kind, dims, dtype=dtype), make(dims, dtype=dtype))


@pytest.mark.points(1)
def test_init_tensor_default_dtype_is_float32(student, rng):
    dims = inputs.shape(rng)
    expect_tensor(student.init_tensor("ones", dims), torch.ones(dims))


@pytest.mark.points(2)
def test_init_tensor_eye(student, rng):
    """Ones on the diagonal, in the dtype asked for (found by `audit`: eye without dtype= survived)."""
    for dtype in (None, torch.float64, torch.int64):
        n, m = inputs.randint(rng, 1, 6), inputs.randint(rng, 1, 6)
        kwargs = {} if dtype is None else {"dtype": dtype}
        expect_tensor(student.init_tensor("eye", (n, m), **kwargs), torch.eye(n, m, **kwargs))


@pytest.mark.points(2)
def test_init_tensor_random_kinds_draw_from_generator(student, worker, rng):
    """With a seeded generator, 'normal' and 'uniform' must equal torch.randn / torch.rand on it."""
    for kind, draw in (("normal", torch.randn), ("uniform", torch.rand)):
        for dtype in FLOAT_DTYPES:
            seed, dims = inputs.randint(rng, 0, 10**6), inputs.shape(rng)
            generator = worker.make("torch.Generator")
            generator.manual_seed(seed)
            expected = draw(dims, generator=torch.Generator().manual_seed(seed), dtype=dtype)
            expect_tensor(student.init_tensor(kind, dims, dtype=dtype, generator=generator), expected)


@pytest.mark.points(1)
def test_init_tensor_random_kinds_distribution(student):
    """Without a generator: 'normal' is centred with unit spread, 'uniform' lies in [0, 1)."""
    normal = student.init_tensor("normal", (200, 50))
    uniform = student.init_tensor("uniform", (200, 50))
    expect_type(normal, torch.Tensor)
    expect_type(uniform, torch.Tensor)
    if not (abs(normal.mean().item()) < 0.1 and abs(normal.std().item() - 1) < 0.1):
        fail(
            f"'normal' should be standard normal; its sample mean is {normal.mean().item():.3f} "
            f"and std {normal.std().item():.3f}"
        )
    if not (uniform.min().item() >= 0 and uniform.max().item() < 1 and abs(uniform.mean().item() - 0.5) < 0.05):
        fail("'uniform' should lie in [0, 1) with mean 0.5")


@pytest.mark.points(2)
@pytest.mark.kind("errors")
def test_init_tensor_rejects_bad_kinds_and_shapes(student, rng):
    kind = inputs.choice(rng, ("identity", "gaussian", "full", "Zeros"))
    with expect_raises(ValueError, mentions=("zeros", "ones", "eye", "normal", "uniform"), special=f"kind {kind!r}"):
        student.init_tensor(kind, (2, 2))
    shape = inputs.choice(rng, ((3,), (2, 2, 2)))
    with expect_raises(ValueError, special=f"'eye' with the {len(shape)}-D shape {shape}"):
        student.init_tensor("eye", shape)


# -- seeded_pair ---------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_seeded_pair_values(student, rng):
    for _ in range(3):
        seed, dims = inputs.randint(rng, 0, 10**6), inputs.shape(rng)
        generator = torch.Generator().manual_seed(seed)
        normal, uniform = torch.randn(dims, generator=generator), torch.rand(dims, generator=generator)
        got = student.seeded_pair(dims, seed)
        expect_type(got, (tuple, list))
        expect_equal(len(got), 2, what="returned a sequence of length")
        expect_tensor(got[0], normal)
        expect_tensor(got[1], uniform)


@pytest.mark.points(2)
def test_seeded_pair_leaves_global_rng_untouched(student, worker, rng):
    """Code that uses the global RNG after seeded_pair must see the same numbers as without it."""
    global_seed = inputs.randint(rng, 0, 10**6)
    worker.run("torch.manual_seed", global_seed)
    student.seeded_pair((3, 4), inputs.randint(rng, 0, 10**6))
    after = worker.run("torch.rand", 5)
    if not torch.equal(after, torch.rand(5, generator=torch.Generator().manual_seed(global_seed))):
        fail("the global random state changed: draw from your own torch.Generator instead of calling torch.manual_seed")


# -- describe ------------------------------------------------------------------------------------
def _described(t: torch.Tensor, *, is_leaf: bool = True) -> dict:
    return {
        "shape": tuple(t.shape),
        "dtype": str(t.dtype),
        "device": str(t.device),
        "requires_grad": t.requires_grad,
        "numel": t.numel(),
        "is_leaf": is_leaf,
    }


def _expect_description(got, expected: dict) -> None:
    expect_type(got, dict)
    for key, value in expected.items():
        if key not in got:
            fail(f"the returned dict has no key {key!r}")
        expect_equal(got[key], value, what=f"returned {key}=")


@pytest.mark.points(2)
def test_describe_plain_tensors(student, rng):
    for dtype in (torch.int64, torch.float32, torch.float64, torch.bool):
        t = inputs.tensor(rng, inputs.shape(rng, ndim=(0, 4)), dtype)
        _expect_description(student.describe(t), _described(t))


@pytest.mark.points(1)
def test_describe_requires_grad_leaf(student, rng):
    t = inputs.tensor(rng, inputs.shape(rng)).requires_grad_()
    _expect_description(student.describe(t), _described(t))


@pytest.mark.points(1)
def test_describe_computed_tensor_is_not_a_leaf(student, worker, rng):
    x = inputs.tensor(rng, inputs.shape(rng)).requires_grad_()
    y = worker.make("torch.mul", x, 2.0)  # built in the worker, so it carries a graph there
    expected = _described(x, is_leaf=False)
    _expect_description(student.describe(y), expected)


# -- detached_copy -------------------------------------------------------------------------------
@pytest.mark.points(1)
def test_detached_copy_values(student, rng):
    for dtype in (torch.float32, torch.int64, torch.float64):
        t = inputs.tensor(rng, inputs.shape(rng), dtype)
        expect_tensor(student.detached_copy(t), t)


@pytest.mark.points(2)
def test_detached_copy_shares_no_memory(student, rng):
    t = inputs.tensor(rng, inputs.shape(rng))
    got, (t_after,) = student.detached_copy.with_inputs(t)
    expect_type(got, torch.Tensor)
    if shares_memory(got, t_after):
        fail("the result shares memory with the input (t.data and t.detach() are views, not copies)")


@pytest.mark.points(2)
def test_detached_copy_has_no_history(student, rng):
    t = inputs.tensor(rng, inputs.shape(rng)).requires_grad_()
    got, (t_after,) = student.detached_copy.with_inputs(t)
    expect_tensor(got, t.detach())
    if got.requires_grad:
        fail("the copy still requires grad: detach it from the graph")
    if not t_after.requires_grad:
        fail("the input no longer requires grad afterwards: leave the input as it was")


# -- device --------------------------------------------------------------------------------------
@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_init_tensor_device(student, device, rng):
    """Every kind honours the device argument: what it builds there is what it builds on the CPU."""
    dims = inputs.shape(rng)
    for kind, size in (("zeros", dims), ("ones", dims), ("eye", (2, 3)), ("normal", dims), ("uniform", dims)):
        on_cpu = on_cpu_first(lambda kind=kind, size=size: student.init_tensor(kind, size, device="cpu"))
        got = on_device(lambda kind=kind, size=size: student.init_tensor(kind, size, device=device), on_cpu)
        expect_like_cpu(got, on_cpu, device, values=kind not in ("normal", "uniform"))


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_describe_device(student, device, rng):
    """The description of a tensor on the device is its CPU description with the device's name."""
    t = inputs.tensor(rng, inputs.shape(rng))
    on_cpu = on_cpu_first(lambda: student.describe(t))
    got = on_device(lambda: student.describe(inputs.to_device(t, device)), on_cpu)
    if isinstance(on_cpu, Raised) or not isinstance(on_cpu, dict):
        expect_like_cpu(got, on_cpu, device)  # the same error on both devices is not a device mistake
        return
    expect_type(got, dict)
    for key, value in on_cpu.items():
        if key != "device":
            expect_equal(got.get(key), value, what=f"with the tensor on the device, returned {key}=")
    expect_equal(str(got.get("device")), "cuda:0", what="with the tensor on the device, returned device=")


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_detached_copy_device(student, device, rng):
    t = inputs.tensor(rng, inputs.shape(rng)).requires_grad_()
    expect_same_on_device(student.detached_copy, (t,), device)
