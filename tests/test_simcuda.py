"""The simulated CUDA device behaves like CUDA where students' bugs show, and computes real values."""

import textwrap

import pytest
import torch
from conftest import grade, with_override

from autograder.harness.grading import inputs
from autograder.harness.grading.checks import device_of
from autograder.harness.isolation.remote import StudentError, Worker
from autograder.harness.isolation.simcuda import SimulatedCudaUnavailable, library

try:
    library()
except SimulatedCudaUnavailable as exc:  # pragma: no cover - a machine without g++
    pytest.skip(f"simulated CUDA unavailable: {exc}", allow_module_level=True)

PROBES = """
import torch
import torch.nn.functional as F


def arithmetic(x):
    scale = torch.tensor(2.0, device=x.device)            # a factory on the input's device
    ramp = torch.arange(x.shape[-1], device=x.device)
    return x * scale + ramp + torch.zeros_like(x) + x.abs().max().item()


def cpu_scalar_tensor(x):
    return x + torch.tensor(1.0)                          # 0-d CPU tensors mix, as on CUDA


def cpu_index(x):
    return x[torch.tensor([0, 1])]                        # CPU indices into a CUDA tensor work


def cpu_tensor_inside(x):
    return x * torch.ones(x.shape[-1])


def numpy_round_trip(x):
    return torch.from_numpy(x.numpy())


def to_cpu(x):
    return x.cpu()


def in_place_and_views(x):
    y = x.clone()
    view = y.view(-1)
    view.add_(1)
    return y, view, torch.cuda.is_available(), y.is_cuda


def train_step(x):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[-1], 3), torch.nn.ReLU(), torch.nn.Linear(3, 2)).to(x.device)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    before = model[0].weight.detach().clone()
    loss = model(x).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.detach(), (model[0].weight - before).abs().sum(), model[0].weight.grad


def cpu_batch_into_cuda_model(x):
    model = torch.nn.Linear(x.shape[-1], 2).cuda()
    return model(x.cpu())


def recurrent(x):
    outs = []
    for cell in (torch.nn.RNN, torch.nn.LSTM, torch.nn.GRU):
        layer = cell(x.shape[-1], 4, batch_first=True).to(x.device)
        out, _ = layer(x.unsqueeze(0))
        out.sum().backward()
        outs.append(out)
    return outs


def embedding_and_loss(x):
    emb = torch.nn.Embedding(10, 4, padding_idx=0).to(x.device)
    ids = torch.tensor([[1, 2, 0]], device=x.device)
    logits = emb(ids) @ emb.weight.T
    return F.cross_entropy(logits.view(-1, 10), ids.view(-1), ignore_index=0)


def device_queries(x):
    props = torch.cuda.get_device_properties(x.device)
    torch.cuda.set_device(0)
    torch.cuda.reset_peak_memory_stats()
    torch.cuda.empty_cache()
    free, total = torch.cuda.mem_get_info()
    return props.total_memory, torch.cuda.get_device_capability(), free <= total, torch.cuda.is_bf16_supported()


def fake_device_mark(x):
    y = x.cpu()
    y._simulated_device = "cuda:0"                        # a hostile mark must not fool the grader
    return y
"""


@pytest.fixture
def sim(tmp_path):
    source = tmp_path / "probes.py"
    source.write_text(PROBES)
    worker = Worker("probes", source, seed=0, call_timeout=30, memory_bytes=2**33, simulate_cuda=True)
    yield worker.module
    worker.close()


def _x(rows=3, cols=4):
    return inputs.to_device(torch.arange(rows * cols, dtype=torch.float32).reshape(rows, cols), "cuda")


def test_correct_device_code_gets_real_values_on_cuda(sim):
    got = sim.arithmetic(_x())
    x = torch.arange(12.0).reshape(3, 4)
    assert device_of(got) == "cuda:0"
    assert torch.equal(got, x * 2 + torch.arange(4) + 11.0)
    assert device_of(sim.cpu_scalar_tensor(_x())) == "cuda:0"
    assert torch.equal(sim.cpu_index(_x()), x[:2])


@pytest.mark.parametrize(
    ("probe", "error", "words"),
    [
        ("cpu_tensor_inside", "RuntimeError", "Expected all tensors to be on the same device"),
        ("numpy_round_trip", "TypeError", "can't convert cuda:0 device type tensor to numpy"),
        ("cpu_batch_into_cuda_model", "RuntimeError", "Expected all tensors to be on the same device"),
    ],
)
def test_device_bugs_fail_as_on_cuda(sim, probe, error, words):
    with pytest.raises(StudentError) as caught:
        getattr(sim, probe)(_x())
    assert caught.value.type_name == error and words in caught.value.message


def test_results_moved_to_the_cpu_come_back_on_the_cpu(sim):
    assert device_of(sim.to_cpu(_x())) == "cpu"
    assert device_of(sim.fake_device_mark(_x())) == "cpu"


def test_in_place_ops_and_views_behave(sim):
    y, view, available, is_cuda = sim.in_place_and_views(_x())
    assert torch.equal(y, torch.arange(12.0).reshape(3, 4) + 1) and torch.equal(view, y.reshape(-1))
    assert available is True and is_cuda is True


def test_training_autograd_and_optimizers_run(sim):
    loss, moved, grad = sim.train_step(_x())
    assert device_of(loss) == device_of(grad) == "cuda:0"
    assert torch.isfinite(loss) and moved.item() > 0


def test_recurrent_layers_embedding_and_loss_run(sim):
    outs = sim.recurrent(_x())
    assert [device_of(o) for o in outs] == ["cuda:0"] * 3 and all(o.shape == (1, 3, 4) for o in outs)
    loss = sim.embedding_and_loss(_x())
    assert device_of(loss) == "cuda:0" and torch.isfinite(loss)


def test_what_code_asks_a_gpu_is_answered(sim):
    """Careful code (and libraries: transformers' kernels ask for the capability when a model
    changes mode) queries the device; a real GPU answers, so the simulated one does too."""
    total, capability, fits, bf16 = sim.device_queries(_x())
    assert total == 16 * 2**30 and capability == (8, 0) and fits is True and bf16 is True


def test_a_transformer_changes_mode_on_the_device(tmp_path):
    """transformers 5.25+ swaps layers for kernels from the Hub when a model changes train/eval
    mode; workers turn that off (no network, no kernels for a simulated GPU): a tiny BERT on the
    device goes to train mode and back, as student code that restores a mode does."""
    pytest.importorskip("transformers")
    from autograder.scenarios import a09_transformers

    source = tmp_path / "modes.py"
    source.write_text(
        "def switch(model):\n    model.train()\n    model.eval()\n    model.train(True)\n"
        "    model.train(False)\n    return model.training\n"
    )
    worker = Worker("modes", source, seed=0, call_timeout=60, memory_bytes=2**33, simulate_cuda=True)
    try:
        folder = worker.run(a09_transformers.build_tiny_bert, "tiny", 0)
        pair = worker.make(a09_transformers.load_tiny_bert, folder)
        model = pair[1]
        model.to("cuda")
        assert worker.module.switch(model) is False
    finally:
        worker.close()


def test_reference_passes_every_device_test_and_bugs_lose_only_device_points(tmp_path):
    bug = textwrap.dedent(
        """
        def softmax(x, dim=-1):
            e = (x - x.amax(dim=dim, keepdim=True)).exp()
            return e / e.sum(dim=dim, keepdim=True).cpu()
        """
    )
    graded = grade(with_override(tmp_path, "a03_vectorize", bug), tmp_path / "r.json")
    failed = [t for t in graded.results["tests"] if t["status"] != "passed"]
    assert [t["tags"] for t in failed] == [["a03_vectorize", "softmax", "device"]]
    assert "Expected all tensors to be on the same device" in failed[0]["output"]
