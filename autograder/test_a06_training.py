"""Hidden suite for a06_training: every update is compared with the reference update computed here,
from the weights the student's model started with."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograder.api import (
    Catalogue,
    Raised,
    device_of,
    expect_equal,
    expect_like_cpu,
    expect_raises,
    expect_same_on_device,
    expect_tensor,
    expect_type,
    fail,
    inputs,
    isolating,
    naming_mistakes,
    on_cpu_first,
    on_device,
    type_name,
)
from autograder.scenarios import a06_training, common

ASSIGNMENT = "a06_training"
FUNCTIONS = (
    "quadratic_loss",
    "fit_quadratic",
    "make_optimizer",
    "train_step",
    "evaluate",
    "train_linear_regression",
)
# The kinds of test each function must have: the plugin refuses to collect the suite without them.
REQUIRES = {
    "quadratic_loss": ("correctness", "device"),
    "fit_quadratic": ("correctness", "device"),
    "make_optimizer": ("correctness", "errors", "device"),
    "train_step": ("correctness", "device"),
    "evaluate": ("correctness", "errors", "device"),
    "train_linear_regression": ("correctness", "device"),
}
# An optimizer's step() imports torch._dynamo (~1.4 s): once in the zygote, not in every worker.
PRELOAD = ("torch._dynamo",)
FACTS = common.parameter_facts
SEED_XS, SEED_YS = torch.tensor([-1.0, 1.0, 2.0]), torch.tensor([1.0, 2.0, 3.0])
TOY_X = torch.tensor(
    [[3.3], [4.4], [5.5], [6.71], [6.93], [4.168], [9.779], [6.182], [7.59], [2.167], [7.042], [10.791], [5.313],
     [7.997], [3.1]]
)  # fmt: skip
TOY_Y = torch.tensor(
    [[1.7], [2.76], [2.09], [3.19], [1.694], [1.573], [3.366], [2.596], [2.53], [1.221], [2.827], [3.465], [1.65],
     [2.904], [1.3]]
)  # fmt: skip


def _expect_close(got, expected: float, *, what: str, tol: float = 1e-4) -> None:
    expect_type(got, float, what=f"{what} should be a Python float, got")
    if abs(got - expected) > tol * max(1.0, abs(expected)):
        fail(f"{what} is {got:.6g}, expected {expected:.6g}")


def _expect_state(got: dict, expected: dict, what: str) -> None:
    for key, value in expected.items():
        expect_tensor(got[key], value, call=f"{what}: {key}", rtol=1e-4, atol=1e-6)


# -- quadratic_loss ------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_quadratic_loss_values(student, rng):
    got = student.quadratic_loss(torch.tensor(1.0), torch.tensor(1.0), SEED_XS, SEED_YS)
    one = torch.tensor(1.0)
    expect_tensor(
        got,
        torch.tensor(5 / 3),
        call="quadratic_loss on the tutorial's points with a = b = 1",
        mistakes=KNOWN.of("quadratic_loss", one, one, SEED_XS, SEED_YS),
    )
    a, b = inputs.tensor(rng, ()), inputs.tensor(rng, ())
    xs, ys = inputs.tensor(rng, (7,)), inputs.tensor(rng, (7,))
    got, expected = student.quadratic_loss(a, b, xs, ys), ((a * xs**2 + b - ys) ** 2).mean()
    expect_tensor(got, expected, mistakes=KNOWN.of("quadratic_loss", a, b, xs, ys))


@pytest.mark.points(1)
def test_quadratic_loss_is_differentiable(student, rng):
    a, b = inputs.tensor(rng, ()).requires_grad_(), inputs.tensor(rng, ()).requires_grad_()
    got = student.quadratic_loss(a, b, SEED_XS, SEED_YS)
    expect_type(got, torch.Tensor)
    if not got.requires_grad:
        fail("the loss does not require grad when a and b do: keep it a tensor (no .item(), no detach)")


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_quadratic_loss_device(student, device, rng):
    args = (inputs.tensor(rng, ()), inputs.tensor(rng, ()), SEED_XS, SEED_YS)
    expect_same_on_device(student.quadratic_loss, args, device)


# -- fit_quadratic -------------------------------------------------------------------------------
isolated = isolating(
    a06_training.quadratic_loss, why="The student's module with a trusted quadratic_loss: fit_quadratic on its own."
)


def _gradient_descent(xs, ys, lr, steps) -> tuple[float, float]:
    a = torch.zeros((), dtype=xs.dtype, requires_grad=True)
    b = torch.zeros((), dtype=xs.dtype, requires_grad=True)
    for _ in range(steps):
        grad_a, grad_b = torch.autograd.grad(((a * xs**2 + b - ys) ** 2).mean(), (a, b))
        with torch.no_grad():
            a -= lr * grad_a
            b -= lr * grad_b
    return a.item(), b.item()


@pytest.mark.points(2)
def test_fit_quadratic_reaches_least_squares(isolated):
    got = isolated.fit_quadratic(SEED_XS, SEED_YS)
    expect_type(got, (tuple, list))
    _expect_close(got[0], 0.5, what="a", tol=1e-3)
    _expect_close(got[1], 1.0, what="b", tol=1e-3)


@pytest.mark.points(2)
def test_fit_quadratic_is_plain_gradient_descent(isolated, rng):
    """A few steps from a = b = 0 on random points: the exact gradient-descent path."""
    xs, ys = torch.rand(6, generator=rng) * 4 - 2, inputs.tensor(rng, (6,))
    lr, steps = 0.01 * inputs.randint(rng, 1, 3), inputs.randint(rng, 3, 8)
    got = isolated.fit_quadratic(xs, ys, lr=lr, steps=steps)
    expect_type(got, (tuple, list))
    want_a, want_b = _gradient_descent(xs, ys, lr, steps)
    _expect_close(got[0], want_a, what=f"a after {steps} steps with lr={lr:g}")
    _expect_close(got[1], want_b, what=f"b after {steps} steps with lr={lr:g}")


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_fit_quadratic_device(isolated, device):
    expect_same_on_device(isolated.fit_quadratic, (SEED_XS, SEED_YS), device, kwargs={"steps": 50})


# -- make_optimizer ------------------------------------------------------------------------------
@pytest.mark.points(2)
def test_make_optimizer_builds_each_kind(student, worker, rng):
    for name, expected in (("sgd", "SGD"), ("Adam", "Adam"), ("ADAMW", "AdamW")):  # any capitalisation
        model = worker.make(common.seeded_linear, 3, 2, 0)
        lr = 0.001 * inputs.randint(rng, 1, 100)
        optimizer = student.make_optimizer(name, model.parameters(), lr)
        expect_equal(type_name(optimizer), expected, what=f"make_optimizer({name!r}, ...) returned a")
        groups = optimizer.param_groups.fetch()
        _expect_close(groups[0]["lr"], lr, what="its learning rate")
        expect_equal(sum(len(g["params"]) for g in groups), 2, what="its number of parameter tensors is")


@pytest.mark.points(1)
@pytest.mark.kind("errors")
def test_make_optimizer_rejects_unknown_names(student, worker):
    model = worker.make(common.seeded_linear, 3, 2, 0)
    with expect_raises(ValueError, mentions=("sgd", "adam"), special="the unknown name 'rmsprop'"):
        student.make_optimizer("rmsprop", model.parameters(), 0.1)


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_make_optimizer_device(student, worker, device):
    model = worker.make(common.seeded_linear, 3, 2, 0)
    model.to(device)
    optimizer = student.make_optimizer("adam", model.parameters(), 0.1)
    params = optimizer.param_groups.fetch()[0]["params"]
    if not all(device_of(p).startswith(device) for p in params):
        fail("the optimizer's parameters are not on the device: pass it the model's own parameters")


# -- train_step ----------------------------------------------------------------------------------
def _batch(rng, n=6, d=3, k=2):
    return inputs.tensor(rng, (n, d)), inputs.tensor(rng, (n, k))


def _reference_steps(
    state: dict, batches: list, optimizer: str, lr: float, mistake: str = ""
) -> tuple[dict, list[float]]:
    """The weights and losses of correct training steps (or of a known ``mistake``: ``two_steps``,
    ``no_zero_grad``, ``zero_grad_before_step``)."""
    model = nn.Linear(3, 2)
    model.load_state_dict(state)
    opt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[optimizer](model.parameters(), lr=lr)
    losses = []
    for x, y in batches:
        if mistake != "no_zero_grad":
            opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        if mistake == "zero_grad_before_step":
            opt.zero_grad()
        opt.step()
        if mistake == "two_steps":
            opt.step()
        losses.append(loss.item())
    return model.state_dict(), losses


@pytest.mark.points(3)
def test_train_step_sgd_update(student, worker, rng):
    model = worker.make(common.seeded_linear, 3, 2, inputs.randint(rng, 0, 999))
    optimizer = worker.make("torch.optim.SGD", model.parameters(), lr=0.1)
    before, batch = model.state_dict(), _batch(rng)
    got = student.train_step(model, batch, worker.make("torch.nn.MSELoss"), optimizer)
    state, losses = _reference_steps(before, [batch], "sgd", 0.1)
    _expect_close(got, losses[0], what="the returned loss (before the step)")
    after = model.state_dict()
    with naming_mistakes(after, KNOWN.of("train_step", before, [batch], "sgd", 0.1)):
        _expect_state(after, state, "weights after one SGD step")


@pytest.mark.points(2)
def test_train_step_two_adam_steps_do_not_accumulate(student, worker, rng):
    model = worker.make(common.seeded_linear, 3, 2, inputs.randint(rng, 0, 999))
    optimizer = worker.make("torch.optim.Adam", model.parameters(), lr=0.05)
    loss_fn, before = worker.make("torch.nn.MSELoss"), model.state_dict()
    batches = [_batch(rng), _batch(rng)]
    for batch in batches:
        student.train_step(model, batch, loss_fn, optimizer)
    steps = optimizer.state_dict()["state"][0]["step"]
    if float(steps) != 2:
        fail(f"two calls made {float(steps):g} optimizer steps; exactly one step per call")
    state, _ = _reference_steps(before, batches, "adam", 0.05)
    after = model.state_dict()
    with naming_mistakes(after, KNOWN.of("train_step", before, batches, "adam", 0.05)):
        _expect_state(after, state, "weights after two calls (gradients must be cleared each time)")


@pytest.mark.points(1)
def test_train_step_sets_train_mode(student, worker, rng):
    """A model handed over in eval mode: the forward pass itself must run in train mode (dropout and
    batch norm train differently), not only the model be left in it."""
    model = worker.make(common.GradModeProbe, 3, 2, 0)
    model.eval()
    optimizer = worker.make("torch.optim.SGD", model.parameters(), lr=0.1)
    student.train_step(model, _batch(rng, k=2), worker.make("torch.nn.MSELoss"), optimizer)
    seen = model.training_during_forward.fetch()
    if seen and not all(seen):
        fail("the forward pass ran in eval mode: call model.train() before the forward, not after the step")
    if not all(worker.run(FACTS, model)["training"]):
        fail("the model was left in eval mode: call model.train() in the training step")


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_train_step_device(student, worker, device, rng):
    """The model is on the device, the batch on the CPU: the step must move the batch."""
    batch, models, losses = _batch(rng), [], []
    for where in ("cpu", device):
        model = worker.make(common.seeded_linear, 3, 2, 0)
        model.to(where)
        optimizer = worker.make("torch.optim.SGD", model.parameters(), lr=0.1)
        step = (model, batch, worker.make("torch.nn.MSELoss"), optimizer)
        if where == "cpu":
            losses.append(on_cpu_first(lambda a=step: student.train_step(*a)))
        else:
            losses.append(on_device(lambda a=step: student.train_step(*a), losses[0]))
        models.append(model)
    expect_like_cpu(losses[1], losses[0], device, what="the returned loss")
    if not isinstance(losses[0], Raised):
        expect_like_cpu(models[1].state_dict(), models[0].state_dict(), device, what="the weights after the step")


# -- evaluate ------------------------------------------------------------------------------------
def _eval_setup(worker, rng, n=10, batch_size=4, **kwargs):
    x, y = inputs.tensor(rng, (n, 3)), inputs.tensor(rng, (n, 2))
    model = worker.make(common.seeded_mlp, 3, 8, 2, inputs.randint(rng, 0, 999), **kwargs)
    loader = worker.make(common.tensor_loader, x, y, batch_size)
    return model, loader, x, y


def _mlp_loss(state: dict, x, y) -> float:
    hidden = torch.tanh(F.linear(x, state["0.weight"], state["0.bias"]))
    return F.mse_loss(F.linear(hidden, state["3.weight"], state["3.bias"]), y).item()


@pytest.mark.points(2)
def test_evaluate_weights_batches_by_size(student, worker, rng):
    """10 examples in batches of 4, 4, 2, through a model with dropout: eval mode, example-weighted."""
    model, loader, x, y = _eval_setup(worker, rng, dropout=0.5)
    got = student.evaluate(model, loader, worker.make("torch.nn.MSELoss"))
    _expect_close(got, _mlp_loss(model.state_dict(), x, y), what="the mean loss over all examples")


@pytest.mark.points(1)
def test_evaluate_restores_the_mode(student, worker, rng):
    model, loader, _, _ = _eval_setup(worker, rng)
    loss_fn = worker.make("torch.nn.MSELoss")
    for mode in ("train", "eval"):
        getattr(model, mode)()
        student.evaluate(model, loader, loss_fn)
        training = worker.run(FACTS, model)["training"]
        if training != [mode == "train"] * len(training):
            fail(f"a model handed over in {mode} mode came back in another mode")


@pytest.mark.points(1)
def test_evaluate_builds_no_graph(student, worker, rng):
    x, y = inputs.tensor(rng, (5, 3)), inputs.tensor(rng, (5, 2))
    model = worker.make(common.GradModeProbe, 3, 2, 0)
    loader = worker.make(common.tensor_loader, x, y, 2)
    student.evaluate(model, loader, worker.make("torch.nn.MSELoss"))
    seen = model.grad_enabled_during_forward.fetch()
    if not seen or any(seen):
        fail(f"the model ran with gradients enabled in {sum(seen)} of {len(seen)} batches; use torch.no_grad()")
    if not worker.run("torch.is_grad_enabled"):
        fail(
            "after evaluate, gradients stay off for the rest of the program, so later training steps learn "
            "nothing: use `with torch.no_grad():` (it switches them back on), not torch.set_grad_enabled(False)"
        )


@pytest.mark.points(1)
@pytest.mark.kind("errors")
def test_evaluate_rejects_an_empty_loader(student, worker):
    """The mean over no examples is undefined: 0.0 or NaN would hide an empty validation set."""
    model = worker.make(common.seeded_linear, 3, 2, 0)
    loader = worker.make(common.tensor_loader, torch.zeros(0, 3), torch.zeros(0, 2), 4)
    with expect_raises(ValueError, special="a loader that yields no batches"):
        student.evaluate(model, loader, worker.make("torch.nn.MSELoss"))


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_evaluate_device(student, worker, device, rng):
    model, loader, _, _ = _eval_setup(worker, rng)
    twin, loss_fn = worker.make("copy.deepcopy", model), worker.make("torch.nn.MSELoss")
    on_cpu = on_cpu_first(lambda: student.evaluate(twin, loader, loss_fn))
    model.to(device)
    got = on_device(lambda: student.evaluate(model, loader, loss_fn), on_cpu)
    expect_like_cpu(got, on_cpu, device, what="the mean loss")


# -- train_linear_regression ---------------------------------------------------------------------
def _regression(x, y, epochs, lr, seed) -> tuple[dict, list[float]]:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(epochs):
        loss = F.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model.state_dict(), losses


def _expect_losses(got, expected: list[float]) -> None:
    expect_type(got, list, what="losses should be a list, got")
    expect_equal(len(got), len(expected), what="the number of recorded losses is")
    for epoch, (value, want) in enumerate(zip(got, expected), start=1):
        _expect_close(value, want, what=f"the loss of epoch {epoch}")


@pytest.mark.points(2)
def test_train_linear_regression_seed_data(student):
    got = student.train_linear_regression(TOY_X, TOY_Y)
    expect_type(got, (tuple, list))
    state, losses = _regression(TOY_X, TOY_Y, 60, 0.01, 0)
    _expect_losses(got[1], losses)
    expect_equal(type_name(got[0]), "Linear", what="the model is a")
    _expect_state(got[0].state_dict(), state, "the trained model")


@pytest.mark.points(2)
def test_train_linear_regression_random_data(student, rng):
    x = torch.rand(12, 1, generator=rng) * 4
    y = 0.5 * x + 1 + 0.1 * inputs.tensor(rng, (12, 1))
    epochs, seed = inputs.randint(rng, 5, 30), inputs.randint(rng, 0, 10**4)
    got = student.train_linear_regression(x, y, epochs=epochs, lr=0.02, seed=seed)
    expect_type(got, (tuple, list))
    _expect_losses(got[1], _regression(x, y, epochs, 0.02, seed)[1])


@pytest.mark.points(1)
@pytest.mark.kind("device")
def test_train_linear_regression_device(student, worker, device):
    # The same global random state before both runs: a missing seed is the correctness tests' concern.
    worker.run("torch.manual_seed", 1234)
    on_cpu = on_cpu_first(lambda: student.train_linear_regression(TOY_X, TOY_Y, epochs=5))
    worker.run("torch.manual_seed", 1234)
    got = on_device(
        lambda: student.train_linear_regression(
            inputs.to_device(TOY_X, device), inputs.to_device(TOY_Y, device), epochs=5
        ),
        on_cpu,
    )
    if isinstance(on_cpu, Raised):
        expect_like_cpu(got, on_cpu, device)  # the same error on both devices is not a device mistake
        return
    expect_type(got, (tuple, list))
    if worker.run(FACTS, got[0])["devices"] != ["cuda:0"]:
        fail("the model should be on the data's device")
    if isinstance(on_cpu, tuple | list) and len(on_cpu) > 1 and len(got) > 1:
        expect_like_cpu(got[1], on_cpu[1], device, what="the recorded losses")


# -- known mistakes (autograder.harness.grading.mistakes): a wrong value that matches one is named ---------------
KNOWN = Catalogue()


@KNOWN.mistake(
    "quadratic_loss",
    "sum_not_mean",
    "It matches the sum of the squared errors: the loss is their mean (.mean(), not .sum()).",
)
def _(a, b, xs, ys):
    return ((a * xs**2 + b - ys) ** 2).sum()


@KNOWN.mistake(
    "quadratic_loss",
    "linear_model",
    "It matches the line a * x + b: the tutorial's model is the quadratic a * x**2 + b.",
)
def _(a, b, xs, ys):
    return ((a * xs + b - ys) ** 2).mean()


@KNOWN.mistake(
    "train_step",
    "two_steps",
    "It matches two optimizer steps per call: one training step is zero_grad, forward, loss, "
    "backward, then a single optimizer.step().",
)
def _(before, batches, optimizer, lr):
    return _reference_steps(before, batches, optimizer, lr, "two_steps")[0]


@KNOWN.mistake(
    "train_step",
    "no_zero_grad",
    "It matches gradients that accumulate from call to call: clear them (optimizer.zero_grad()) before each backward.",
)
def _(before, batches, optimizer, lr):
    return _reference_steps(before, batches, optimizer, lr, "no_zero_grad")[0]


@KNOWN.mistake(
    "train_step",
    "zero_grad_before_step",
    "It matches clearing the gradients between backward() and step(): the step then has nothing to "
    "apply. Call zero_grad() before the backward pass.",
)
def _(before, batches, optimizer, lr):
    return _reference_steps(before, batches, optimizer, lr, "zero_grad_before_step")[0]
