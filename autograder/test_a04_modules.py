"""Hidden suite for a04_modules: registration, structure, and forward passes with the student's own
weights (read back through ``state_dict``), so a module is judged on what it is, not on luck."""

import pytest
import torch
import torch.nn.functional as F

from autograder.api import (
    Catalogue,
    Raised,
    expect_equal,
    expect_like_cpu,
    expect_tensor,
    expect_type,
    fail,
    inputs,
    on_cpu_first,
    on_device,
    same_object,
    shares_memory,
    type_name,
)
from autograder.scenarios import common

ASSIGNMENT = "a04_modules"
FUNCTIONS = ("ParallelLinear", "MLP", "ResidualStack", "count_parameters", "freeze")
# The kinds of test each function must have: the plugin refuses to collect the suite without them.
REQUIRES = {
    "ParallelLinear": ("correctness", "device"),
    "MLP": ("correctness", "device"),
    "ResidualStack": ("correctness", "device"),
    "count_parameters": ("correctness", "device"),
    "freeze": ("correctness", "device"),
}
FACTS = common.parameter_facts


def _state(model) -> dict:
    state = model.state_dict()
    expect_type(state, dict, what="state_dict() should give")
    return state


def _weights(model, keys: list[str]) -> dict:
    """The model's state_dict, after checking that the keys a forward check needs are there."""
    state = _state(model)
    missing = [k for k in keys if k not in state]
    if missing:
        fail(f"state_dict() has no {missing[0]!r}: the layers are not registered as the task describes")
    return state


def _expect_keys(state: dict, expected: list[str]) -> None:
    missing = [k for k in expected if k not in state]
    if missing:
        hint = " (layers kept in a Python list are not registered: use nn.ModuleList)" if not state else ""
        fail(f"state_dict() is missing {missing[:4]}{'...' if len(missing) > 4 else ''}{hint}")
    extra = sorted(set(state) - set(expected))
    if extra:
        fail(f"state_dict() has unexpected keys {extra[:4]}")


# -- ParallelLinear ------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_ParallelLinear_registers_a_module_list(student, rng):
    dim, n = inputs.randint(rng, 2, 6), inputs.randint(rng, 2, 5)
    model = student.ParallelLinear(dim, n)
    _expect_keys(_state(model), [f"linears.{i}.{p}" for i in range(n) for p in ("weight", "bias")])
    expect_equal(type_name(model.linears.fetch()), "ModuleList", what="linears is a")


@pytest.mark.points(1)
def test_ParallelLinear_layers_do_not_share_weights(student, rng):
    model = student.ParallelLinear(inputs.randint(rng, 2, 5), 3)
    state = _weights(model, ["linears.0.weight", "linears.1.weight"])
    if shares_memory(state["linears.0.weight"], state["linears.1.weight"]):
        fail("linears.0 and linears.1 share one weight tensor: build a new nn.Linear for each entry")


@pytest.mark.points(2)
def test_ParallelLinear_forward(student, rng):
    dim, n = inputs.randint(rng, 2, 6), inputs.randint(rng, 1, 4)
    model = student.ParallelLinear(dim, n)
    x = inputs.tensor(rng, (inputs.randint(rng, 1, 4), dim))
    got, state = model(x), _weights(model, [f"linears.{i}.weight" for i in range(n)])
    expect_type(got, tuple)
    expect_equal(len(got), n, what="returned a tuple of length")
    for i, out in enumerate(got):
        expect_tensor(out, F.linear(x, state[f"linears.{i}.weight"], state[f"linears.{i}.bias"]))


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_ParallelLinear_device(student, worker, device, rng):
    _expect_twin_on_device(worker, student.ParallelLinear(3, 2), inputs.tensor(rng, (2, 3)), device)


def _expect_twin_on_device(worker, model, x: torch.Tensor, device: str) -> None:
    """``model`` moved to the device gives, on ``x`` there, what its copy on the CPU gives on ``x``;
    with every parameter on the device (a layer kept in a plain list stays behind)."""
    twin = worker.make("copy.deepcopy", model)
    on_cpu = on_cpu_first(lambda: twin(x))
    model.to(device)
    devices = worker.run(FACTS, model)["devices"]
    if devices != ["cuda:0"]:
        fail(f"after .to(device) the parameters are on {devices}: register every layer (nn.ModuleList)")
    expect_like_cpu(on_device(lambda: model(inputs.to_device(x, device)), on_cpu), on_cpu, device)


# -- MLP -----------------------------------------------------------------------------------------


def _mlp_reference(state: dict, x: torch.Tensor) -> torch.Tensor:
    hidden = F.relu(F.linear(x, state["layers.0.weight"], state["layers.0.bias"]))
    return F.linear(hidden, state["layers.3.weight"], state["layers.3.bias"])


def _mlp_weights(model, worker) -> dict:
    """The two Linear layers' weights and biases, under the reference's keys (``layers.0.weight``...),
    found by position in ``layers``: the task fixes the attribute and the order of its four layers,
    not their names (a Sequential of an OrderedDict, ``fc1``... ``fc2``, is as good)."""
    state = _state(model)
    names = worker.run(common.child_names, model.layers.fetch())
    if len(names) != 4:
        fail(f"layers holds {len(names)} layers; the task asks for Linear, ReLU, Dropout, Linear")
    weights = {}
    for position in (0, 3):
        for part in ("weight", "bias"):
            key = f"layers.{names[position]}.{part}"
            if key not in state:
                fail(f"state_dict() has no {key!r}: the layers are not registered as the task describes")
            weights[f"layers.{position}.{part}"] = state[key]
    return weights


@pytest.mark.points(2)
def test_MLP_structure(student, worker, rng):
    in_dim, hidden, out_dim = (inputs.randint(rng, 2, 6) for _ in range(3))
    model = student.MLP(in_dim, hidden, out_dim, dropout=0.25)
    layers = model.layers.fetch()
    expect_equal(type_name(layers), "Sequential", what="layers is a")
    types = worker.run(common.children_types, layers)
    expect_equal(types, ["Linear", "ReLU", "Dropout", "Linear"], what="layers holds")
    state = _mlp_weights(model, worker)
    expect_equal(tuple(state["layers.0.weight"].shape), (hidden, in_dim), what="the first Linear's weight has shape")
    expect_equal(tuple(state["layers.3.weight"].shape), (out_dim, hidden), what="the last Linear's weight has shape")
    expect_equal(layers[2].p.fetch(), 0.25, what="dropout p is")


@pytest.mark.points(2)
def test_MLP_forward_in_eval_mode(student, worker, rng):
    in_dim, hidden, out_dim = (inputs.randint(rng, 2, 6) for _ in range(3))
    model = student.MLP(in_dim, hidden, out_dim, dropout=0.5)
    model.eval()
    x = inputs.tensor(rng, (inputs.randint(rng, 1, 5), in_dim))
    expect_tensor(model(x), _mlp_reference(_mlp_weights(model, worker), x))


@pytest.mark.points(1)
def test_MLP_dropout_is_active_only_in_train_mode(student, worker, rng):
    model = student.MLP(4, 64, 3, dropout=0.5)
    x = inputs.tensor(rng, (8, 4))
    model.train()
    first, second = model(x), model(x)
    expect_type(first, torch.Tensor)
    if torch.equal(first, second):
        fail("two forward passes in train mode gave identical outputs: dropout is not active")
    model.eval()
    expect_tensor(model(x), _mlp_reference(_mlp_weights(model, worker), x), call="MLP forward in eval mode")


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_MLP_device(student, worker, device, rng):
    model = student.MLP(3, 4, 2)
    model.eval()
    _expect_twin_on_device(worker, model, inputs.tensor(rng, (2, 3)), device)


# -- ResidualStack -------------------------------------------------------------------------------
def _residual_keys(depth: int) -> list[str]:
    return [f"blocks.{i}.{j}.{p}" for i in range(depth) for j in (0, 1) for p in ("weight", "bias")]


def _residual_reference(state: dict, x: torch.Tensor, depth: int) -> torch.Tensor:
    for i in range(depth):
        p = f"blocks.{i}."
        h = F.layer_norm(x, x.shape[-1:], state[p + "0.weight"], state[p + "0.bias"])
        x = x + F.relu(F.linear(h, state[p + "1.weight"], state[p + "1.bias"]))
    return x


@pytest.mark.points(2)
def test_ResidualStack_structure(student, worker, rng):
    dim, depth = inputs.randint(rng, 2, 6), inputs.randint(rng, 2, 4)
    model = student.ResidualStack(dim, depth)
    state = _state(model)
    _expect_keys(state, _residual_keys(depth))
    if shares_memory(state["blocks.0.1.weight"], state["blocks.1.1.weight"]):
        fail("blocks 0 and 1 share their weights: build a new block for each entry")
    if shares_memory(state["blocks.0.0.weight"], state["blocks.1.0.weight"]):
        fail("blocks 0 and 1 share one LayerNorm: give each block its own nn.LayerNorm(dim)")
    blocks = model.blocks.fetch()
    expect_equal(type_name(blocks), "ModuleList", what="blocks is a")
    expect_equal(
        worker.run(common.children_types, blocks[0]),
        ["LayerNorm", "Linear", "ReLU"],
        what="each block holds",
    )


@pytest.mark.points(2)
def test_ResidualStack_forward_adds_each_block(student, rng):
    dim, depth = inputs.randint(rng, 2, 6), inputs.randint(rng, 2, 4)
    model = student.ResidualStack(dim, depth)
    x = inputs.tensor(rng, (inputs.randint(rng, 1, 4), dim))
    state = _weights(model, _residual_keys(depth))
    got, (after,) = model.with_inputs(x)
    expect_tensor(got, _residual_reference(state, x, depth), mistakes=KNOWN.of("ResidualStack", state, x, depth))
    if isinstance(after, torch.Tensor) and not torch.equal(after, x):
        fail(
            "forward changed its input x in place (x += block(x)): write x = x + block(x). The caller's "
            "tensor is overwritten, and autograd cannot compute gradients through an overwritten input."
        )


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_ResidualStack_device(student, worker, device, rng):
    _expect_twin_on_device(worker, student.ResidualStack(4, 2), inputs.tensor(rng, (3, 4)), device)


# -- count_parameters ----------------------------------------------------------------------------
@pytest.mark.points(2)
def test_count_parameters_counts_elements(student, worker, rng):
    n_in, n_out = inputs.randint(rng, 1, 9), inputs.randint(rng, 1, 9)
    linear = worker.make("torch.nn.Linear", n_in, n_out)
    expect_equal(student.count_parameters(linear), n_in * n_out + n_out)
    mlp = worker.make(common.seeded_mlp, 3, 5, 2, 0)
    expect_equal(student.count_parameters(mlp), 3 * 5 + 5 + 5 * 2 + 2)


@pytest.mark.points(1)
def test_count_parameters_shared_once_buffers_never(student, worker):
    """A layer used twice counts once, and so does a weight tied to another layer's; BatchNorm's
    running statistics are buffers, not parameters."""
    model = worker.make(common.with_buffers_and_tied_weights, 0)
    expect_equal(student.count_parameters(model), (4 * 4 + 4) + (4 + 4) + 4 + (4 * 3 + 3))


@pytest.mark.points(1)
def test_count_parameters_trainable_only(student, worker):
    mlp = worker.make(common.seeded_mlp, 3, 5, 2, 0)
    worker.run(common.set_requires_grad, mlp, ["0.weight", "0.bias"], False)
    expect_equal(student.count_parameters(mlp, trainable_only=True), 5 * 2 + 2)
    expect_equal(student.count_parameters(mlp), 3 * 5 + 5 + 5 * 2 + 2)


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_count_parameters_device(student, worker, device):
    linear = worker.make("torch.nn.Linear", 3, 2)
    on_cpu = on_cpu_first(lambda: student.count_parameters(linear))
    linear.to(device)
    expect_like_cpu(on_device(lambda: student.count_parameters(linear), on_cpu), on_cpu, device)


# -- freeze --------------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_freeze_stops_every_gradient(student, worker, rng):
    mlp = worker.make(common.seeded_mlp, 3, inputs.randint(rng, 2, 6), 2, 0)
    returned = student.freeze(mlp)
    if type_name(returned) != "Sequential" or not same_object(returned, mlp):
        fail("freeze should return the module it was given")
    facts = worker.run(FACTS, mlp)
    if any(facts["requires_grad"]):
        fail("some parameters still require grad: set requires_grad on every parameter")


@pytest.mark.points(1)
def test_freeze_keeps_the_mode(student, worker):
    mlp = worker.make(common.seeded_mlp, 3, 4, 2, 0)
    mlp.train()
    student.freeze(mlp)
    if not all(worker.run(FACTS, mlp)["training"]):
        fail("freeze changed the model to eval mode; freezing is about gradients, not the mode")


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_freeze_device(student, worker, device):
    """Freezing on the device does what it does on the CPU, and leaves the parameters there."""
    twin, mlp = (worker.make(common.seeded_mlp, 3, 4, 2, 0) for _ in range(2))
    on_cpu = on_cpu_first(lambda: (student.freeze(twin), "frozen")[1])  # judged on the model, not the return
    mlp.to(device)
    if isinstance(on_device(lambda: student.freeze(mlp), on_cpu), Raised):
        return  # the same error on both devices: the correctness tests judge it
    facts, cpu_facts = worker.run(FACTS, mlp), worker.run(FACTS, twin)
    if facts["devices"] != ["cuda:0"]:
        fail(f"after freeze the parameters should stay on the device, but they are on {facts['devices']}")
    if facts["requires_grad"] != cpu_facts["requires_grad"]:
        fail("freeze changed requires_grad differently for a model on the device than for the same model on the CPU")


# -- known mistakes (autograder.harness.grading.mistakes): a wrong value that matches one is named ---------------
KNOWN = Catalogue()


def _blocks(state: dict, x: torch.Tensor, depth: int, residual: bool) -> torch.Tensor:
    for i in range(depth):
        p = f"blocks.{i}."
        h = F.layer_norm(x, x.shape[-1:], state[p + "0.weight"], state[p + "0.bias"])
        out = F.relu(F.linear(h, state[p + "1.weight"], state[p + "1.bias"]))
        x = x + out if residual else out
    return x


@KNOWN.mistake(
    "ResidualStack",
    "no_residual",
    "It matches x = block(x): the residual is never added. Each level computes x = x + block(x).",
)
def _(state, x, depth):
    return _blocks(state, x, depth, residual=False)


@KNOWN.mistake(
    "ResidualStack",
    "adds_the_input_once",
    "It matches adding the original input once, after the last block: every block adds its own "
    "input, x = x + block(x), inside the loop.",
)
def _(state, x, depth):
    return x + _blocks(state, x, depth, residual=False)
