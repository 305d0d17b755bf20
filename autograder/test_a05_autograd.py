"""Hidden suite for a05_autograd: gradients by hand and by autograd, and running without a graph."""

import pytest
import torch

from autograder.api import (
    Catalogue,
    expect_equal,
    expect_like_cpu,
    expect_not_calling,
    expect_same_on_device,
    expect_tensor,
    expect_type,
    fail,
    inputs,
    naming_mistakes,
    on_cpu_first,
    on_device,
)
from autograder.scenarios import a05_autograd, common

ASSIGNMENT = "a05_autograd"
FUNCTIONS = ("seed_graph_grads", "grad_of", "no_grad_forward")
# The kinds of test each function must have: the plugin refuses to collect the suite without them.
REQUIRES = {
    "seed_graph_grads": ("correctness", "device"),
    "grad_of": ("correctness", "device"),
    "no_grad_forward": ("correctness", "device"),
}
AUTOGRAD = {"autograd.backward": ".backward() / torch.autograd.grad (compute the gradients by hand)"}
BANNED = {"seed_graph_grads": AUTOGRAD}  # public: students' check runs the same test
FUNCTIONS_TO_DIFFERENTIATE = {
    a05_autograd.sum_of_squares: lambda x: (x * x).sum(),
    a05_autograd.sin_dot: lambda x: (torch.sin(x) * x).sum(),
    a05_autograd.logsumexp_all: lambda x: torch.logsumexp(x.reshape(-1), dim=0),
}


def _with_zeros(rng, shape) -> torch.Tensor:
    """Random values with exact zeros in places: relu's derivative at 0 is 0, not 1."""
    b = inputs.tensor(rng, shape)
    b[torch.rand(shape, generator=rng) < 0.3] = 0.0
    return b


def _autograd_grads(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    a, b = a.clone().requires_grad_(), b.clone().requires_grad_()
    c = torch.relu(b)
    e = c + a * c
    return torch.autograd.grad(e.sum(), (a, b))


def _autograd_gradient(fn, x: torch.Tensor) -> torch.Tensor:
    leaf = x.detach().clone().requires_grad_()
    return torch.autograd.grad(fn(leaf), leaf)[0]


# -- seed_graph_grads ----------------------------------------------------------------------------
@pytest.mark.points(3)
def test_seed_graph_grads_match_autograd(student, rng):
    for _ in range(3):
        shape = inputs.shape(rng, ndim=(1, 3))
        a, b = inputs.tensor(rng, shape), _with_zeros(rng, shape)
        got = student.seed_graph_grads(a, b)
        expect_type(got, (tuple, list))
        expect_equal(len(got), 2, what="returned a sequence of length")
        grad_a, grad_b = _autograd_grads(a, b)
        with naming_mistakes(tuple(got), KNOWN.of("seed_graph_grads", a, b)):
            expect_tensor(got[0], grad_a, call="seed_graph_grads(...)[0] (de/da)")
            expect_tensor(got[1], grad_b, call="seed_graph_grads(...)[1] (de/db)")


@pytest.mark.points(1)
def test_seed_graph_grads_relu_at_zero(student):
    a, b = torch.tensor([2.0, -1.0, 0.5]), torch.tensor([0.0, 0.0, 0.0])
    got = student.seed_graph_grads(a, b)
    expect_type(got, (tuple, list))
    expect_tensor(got[1], torch.zeros(3), call="de/db at b == 0 (relu's derivative there is 0)")


@pytest.mark.points(2)
def test_seed_graph_grads_by_hand(student, rng):
    a, b = inputs.tensor(rng, (4,)), _with_zeros(rng, (4,))
    expect_not_calling(student.seed_graph_grads, (a, b), AUTOGRAD)


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_seed_graph_grads_device(student, device, rng):
    expect_same_on_device(student.seed_graph_grads, (inputs.tensor(rng, (5,)), _with_zeros(rng, (5,))), device)


# -- grad_of -------------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_grad_of_matches_autograd(student, worker, rng):
    for path, fn in FUNCTIONS_TO_DIFFERENTIATE.items():
        x = inputs.tensor(rng, inputs.shape(rng, ndim=(1, 2)))
        got = student.grad_of(worker.ref(path), x)
        expect_tensor(got, _autograd_gradient(fn, x))
        if got.requires_grad:
            fail("the returned gradient requires grad; return a plain tensor")


@pytest.mark.points(2)
def test_grad_of_leaves_x_untouched(student, worker, rng):
    """Neither requires_grad nor .grad of x may change (x is the caller's tensor)."""
    fn = worker.ref(a05_autograd.sum_of_squares)
    x = worker.make("torch.clone", inputs.tensor(rng, (3,)))
    student.grad_of(fn, x)
    requires_grad, grad = worker.run(common.grad_state, x)
    if requires_grad or grad is not None:
        fail("x was changed: it now requires grad or has a .grad; differentiate a detached copy")
    y0 = inputs.tensor(rng, (3,))
    y = worker.make("torch.clone", y0)
    y.requires_grad_()
    old = torch.full((3,), 7.0)
    worker.run(common.set_grad, y, old)  # an existing gradient must survive
    got = student.grad_of(fn, y)
    expect_tensor(got, 2 * y0)
    requires_grad, grad = worker.run(common.grad_state, y)
    if not requires_grad or grad is None or not torch.equal(grad, old):
        fail("x's existing .grad or requires_grad changed; use torch.autograd.grad on a detached copy")


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_grad_of_device(student, worker, device, rng):
    x = inputs.tensor(rng, (4,))
    expect_same_on_device(student.grad_of, (worker.ref(a05_autograd.sin_dot), x), device)


# -- no_grad_forward -----------------------------------------------------------------------------
def _probe(worker, rng, device: str | None = None):
    model = worker.make(common.GradModeProbe, 3, 2, inputs.randint(rng, 0, 1000))
    if device:
        model.to(device)
    return model


@pytest.mark.points(2)
def test_no_grad_forward_output_has_no_graph(student, worker, rng):
    model = _probe(worker, rng)
    x = inputs.tensor(rng, (4, 3))
    got = student.no_grad_forward(model, x)
    state = model.state_dict()
    expect_tensor(got, x @ state["linear.weight"].T + state["linear.bias"])
    if got.requires_grad:
        fail("the output requires grad: run the model under torch.no_grad()")


@pytest.mark.points(1)
def test_no_grad_forward_records_no_graph_while_running(student, worker, rng):
    """Detaching the output at the end is not enough: the layers must run with grad disabled."""
    model = _probe(worker, rng)
    student.no_grad_forward(model, inputs.tensor(rng, (2, 3)))
    seen = model.grad_enabled_during_forward.fetch()
    if seen != [False]:
        fail(f"the model ran with gradients enabled ({seen}); wrap the call in torch.no_grad()")
    if not worker.run("torch.is_grad_enabled"):
        fail(
            "after the call, gradients stay off for the rest of the program, so later training learns "
            "nothing: use `with torch.no_grad():` (it switches them back on), not torch.set_grad_enabled(False)"
        )


@pytest.mark.points(1)
def test_no_grad_forward_keeps_parameters_trainable(student, worker, rng):
    model = _probe(worker, rng)
    student.no_grad_forward(model, inputs.tensor(rng, (2, 3)))
    if not all(worker.run(common.parameter_facts, model)["requires_grad"]):
        fail("the model's parameters no longer require grad: do not freeze them")


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_no_grad_forward_device(student, worker, device, rng):
    model, x = _probe(worker, rng), inputs.tensor(rng, (2, 3))
    twin = worker.make("copy.deepcopy", model)
    on_cpu = on_cpu_first(lambda: student.no_grad_forward(twin, x))
    model.to(device)
    got = on_device(lambda: student.no_grad_forward(model, inputs.to_device(x, device)), on_cpu)
    expect_like_cpu(got, on_cpu, device)


# -- known mistakes (autograder.harness.grading.mistakes): a wrong value that matches one is named ---------------
KNOWN = Catalogue()


@KNOWN.mistake(
    "seed_graph_grads",
    "forgets_c_path",
    "It matches de/db = a * relu'(b): e = c + d depends on c directly too, so de/db = (1 + a) * relu'(b).",
)
def _(a, b):
    slope = (b > 0).to(b.dtype)
    return torch.relu(b), a * slope


@KNOWN.mistake(
    "seed_graph_grads",
    "grad_a_is_b",
    "It matches de/da = b: d = a * c with c = relu(b), so de/da = relu(b).",
)
def _(a, b):
    return b.clone(), (1 + a) * (b > 0).to(b.dtype)


@KNOWN.mistake(
    "seed_graph_grads",
    "relu_slope_at_zero",
    "It matches taking relu's slope at 0 as 1 (b >= 0): PyTorch's relu has derivative 0 at 0 (b > 0).",
)
def _(a, b):
    return torch.relu(b), (1 + a) * (b >= 0).to(b.dtype)
