"""Hostile values from a worker and hostile zips from a class: the grader's work stays bounded.

Fast unit tests, no workers: :func:`autograder.harness.isolation.bounds.problem` on values as they arrive over the wire,
and :func:`autograder.harness.commands.batch._unpack` on zip bombs, floods of files and escaping paths.
"""

import stat
import time
import zipfile

import numpy as np
import pytest
import torch

from autograder.harness.commands import batch
from autograder.harness.isolation import bounds, wire


def _arrived(value):
    """``value`` as the grading process receives it from a worker."""
    return wire.loads(wire.dumps(wire.to_wire(value, keep=lambda o: {wire.HANDLE: 1, "type": type(o).__name__})))


def _problem(value):
    start = time.perf_counter()
    found = bounds.problem(value)
    assert time.perf_counter() - start < 0.5  # in practice well under 1 ms: it never touches tensor data
    return found


def _nested_lists(levels):
    value = [1]
    for _ in range(levels - 1):
        value = [value]
    return value


HOSTILE = {
    "zero_stride_giant": (lambda: torch.zeros(1).expand(2**33), "8589934592 elements"),
    "expanded_2d_giant": (lambda: torch.ones(1, 1).expand(2**16, 2**16), "4294967296 elements"),
    "sparse_coo": (lambda: torch.eye(3).to_sparse(), "sparse tensor (layout torch.sparse_coo)"),
    "sparse_csr": (lambda: torch.eye(3).to_sparse_csr(), "sparse tensor (layout torch.sparse_csr)"),
    "nested": (lambda: torch.nested.nested_tensor([torch.zeros(2), torch.zeros(3)]), "nested tensor"),
    "nested_jagged": (
        lambda: torch.nested.nested_tensor([torch.zeros(2), torch.zeros(3)], layout=torch.jagged),
        "nested tensor",
    ),
    "quantized": (lambda: torch.quantize_per_tensor(torch.rand(3), 0.1, 0, torch.quint8), "quantized tensor"),
    "meta": (lambda: torch.empty(2**40, device="meta"), "meta device"),
    "float8": (lambda: torch.zeros(3, dtype=torch.float8_e4m3fn), "dtype torch.float8_e4m3fn"),
    "deep": (lambda: _nested_lists(200), "nested more than 50 levels"),
    "huge_list": (lambda: list(range(2 * bounds.MAX_ITEMS)), f"more than {bounds.MAX_ITEMS} items"),
    "huge_string": (lambda: "x" * (bounds.MAX_STRING_LENGTH + 1), "a string of length"),
    "many_giants": (lambda: [torch.zeros(1).expand(2**23)] * 100, "elements in all"),
}


@pytest.mark.filterwarnings("ignore")  # sparse CSR, quantized storage and nested tensors are "beta"
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_values_are_named_after_the_round_trip(name):
    make, words = HOSTILE[name]
    found = _problem(_arrived(make()))
    assert found is not None and found.startswith("returned ") and words in found, found
    assert ": " in found and "\n" not in found  # what was returned, then what to return instead


def test_the_first_offender_is_located():
    found = _problem(_arrived({"a": [1, torch.eye(2)], "b": [torch.zeros(1).expand(2**30), torch.eye(2).to_sparse()]}))
    assert found.startswith("returned a tensor with 1073741824 elements") and " at ['b'][0]: " in found


def test_a_structure_that_contains_itself_is_refused():
    cycle = []
    cycle.append(cycle)
    arrived = wire.loads(wire.dumps(cycle))  # the unpickler builds it; from_wire would recurse forever
    assert arrived[0] is arrived
    assert "contains itself" in _problem(arrived)


def test_depth_limit_is_exact():
    assert _problem(_nested_lists(bounds.MAX_DEPTH)) is None
    assert "levels deep" in _problem(_nested_lists(bounds.MAX_DEPTH + 1))


def test_deep_nesting_beyond_pythons_recursion_limit_is_refused():
    assert "levels deep" in _problem(_nested_lists(100_000))


def test_element_limit_is_exact():
    assert _problem(_arrived(torch.zeros(1).expand(bounds.MAX_ELEMENTS))) is None
    assert "elements" in _problem(_arrived(torch.zeros(1).expand(bounds.MAX_ELEMENTS + 1)))


@pytest.mark.parametrize(
    "forged",
    [
        {wire.SIMULATED: "cuda:0", "data": 5, "requires_grad": False},
        {wire.SIMULATED: "cuda:0", "data": torch.zeros(2), "requires_grad": torch.ones(3)},
        {wire.NDARRAY: torch.zeros(2, dtype=torch.bfloat16)},  # NumPy has no bfloat16
        {wire.NDARRAY: torch.zeros(2, requires_grad=True)},
        {wire.NDARRAY: "not a tensor"},
        {wire.HANDLE: "1"},
    ],
)
def test_forged_wire_tags_are_refused(forged):
    assert _problem(forged) is not None


def test_wire_tags_match():
    assert (bounds.HANDLE, bounds.NDARRAY, bounds.SIMULATED) == (wire.HANDLE, wire.NDARRAY, wire.SIMULATED)
    assert bounds.REFUSED in wire.RESERVED


def test_problem_never_raises():
    class Odd(torch.Tensor):
        @property
        def is_nested(self):
            raise RuntimeError("no")

    found = _problem(torch.zeros(2).as_subclass(Odd))
    assert found.startswith("returned a value the grader cannot inspect (RuntimeError)")


ORDINARY = {
    "float": lambda: torch.randn(3, 4),
    "int": lambda: torch.arange(6),
    "bool": lambda: torch.tensor([True, False]),
    "complex": lambda: torch.randn(3, dtype=torch.complex64),
    "bfloat16": lambda: torch.ones(2, dtype=torch.bfloat16),
    "float16_int8_uint8": lambda: [torch.ones(2, dtype=d) for d in (torch.float16, torch.int8, torch.uint8)],
    "transposed": lambda: torch.randn(3, 4).t(),
    "strided_slice": lambda: torch.arange(10)[::3],
    "small_expand": lambda: torch.zeros(1).expand(1000, 3),
    "conj": lambda: torch.randn(2, dtype=torch.complex64).conj(),
    "zero_d": lambda: torch.tensor(3.5),
    "empty": lambda: torch.zeros(0, 5),
    "requires_grad": lambda: torch.ones(2, requires_grad=True),
    "parameter": lambda: torch.nn.Parameter(torch.ones(2)),
    "numpy": lambda: {"x": np.arange(4, dtype=np.uint32), "y": np.zeros((2, 2))},
    "nested_dicts": lambda: {"a": {"b": [torch.ones(2), (torch.eye(2)[:, 0], None)]}, 3: "x", "c": 2.5 + 1j},
    "plain": lambda: [1, 2.0, True, None, "text", b"bytes", torch.float32, torch.device("cpu"), torch.Size([2, 3])],
    "state_dict": lambda: torch.nn.Linear(4, 3).state_dict(),
    "handle": lambda: {"model": torch.nn.Linear(2, 2)},  # travels as a handle
}


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_values_are_fine(name):
    assert _problem(_arrived(ORDINARY[name]())) is None


def test_simulated_device_tag_is_fine():
    tagged = wire.to_wire(wire.mark_simulated(torch.ones(2)), keep=lambda o: {}, trust_marks=True)
    assert _problem(wire.loads(wire.dumps(tagged))) is None


# ---- zips -----------------------------------------------------------------------------------


def _zip(path, members):
    """A zip holding ``members``: name -> text, or a ZipInfo -> text."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """200 MiB of zeros in one member, under 1 MB compressed; built by streaming, in well under 2 s."""
    path = tmp_path_factory.mktemp("bomb") / "mallory.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("mallory/a01_tensors.py", "w") as member:
            block = bytes(1 << 20)
            for _ in range(200):
                member.write(block)
    assert path.stat().st_size < 2**20
    return path


@pytest.fixture
def reads(monkeypatch):
    """Counts the bytes decompressed from any zip member."""
    count = [0]
    original = zipfile.ZipExtFile.read

    def read(self, n=-1):
        data = original(self, n)
        count[0] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", read)
    return count


def test_a_zip_bomb_is_refused_before_anything_is_written(tmp_path, bomb, reads):
    with pytest.raises(ValueError, match=r"^mallory.zip: more than 64 MiB uncompressed; not extracted$"):
        batch._unpack(bomb, tmp_path)
    assert reads[0] == 0 and not (tmp_path / "submission").exists()


def test_a_member_larger_than_its_header_says_is_stopped_at_the_budget(tmp_path, bomb, reads):
    """The header check aside, streaming never writes more than the budget, whatever the header says."""
    with zipfile.ZipFile(bomb) as archive:
        out = tmp_path / "a01_tensors.py"
        with pytest.raises(ValueError, match="more than 64 MiB uncompressed"):
            batch._extract(archive, archive.infolist()[0], out, 2**20, "mallory.zip")
    assert out.stat().st_size <= 2**20 and reads[0] <= 2**20 + 1


def test_grade_one_turns_a_refused_zip_into_an_error_row(tmp_path, bomb):
    outcome = batch.grade_one("mallory", bomb, tmp_path / "out", pool=None, timeout=1, extra=[])
    assert outcome.status == "error: mallory.zip: more than 64 MiB uncompressed; not extracted"


def test_a_normal_zip_is_unpacked_to_its_folder(tmp_path):
    source = _zip(tmp_path / "alice.zip", {"alice/a01_tensors.py": "x = 1\n"})
    folder = batch._unpack(source, tmp_path / "out")
    assert folder == tmp_path / "out" / "submission" / "alice"
    assert _files(folder) == ["a01_tensors.py"] and (folder / "a01_tensors.py").read_text() == "x = 1\n"


def test_only_assignment_files_are_extracted(tmp_path):
    link = zipfile.ZipInfo("alice/a03_vectorize.py")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    members = {
        "alice/a01_tensors.py": "top",
        "alice/old/a01_tensors.py": "old",  # the shallowest copy wins
        "alice/deep/a02_views.ipynb": "{}",
        "alice/notes.txt": "x",
        "alice/conftest.py": "evil",
        "alice/.hidden/a04_modules.py": "x",
        "__MACOSX/alice/._a01_tensors.py": "junk",
        link: "/etc/passwd",
    }
    source = tmp_path / "alice.zip"
    with zipfile.ZipFile(source, "w") as archive:
        for name, text in reversed(members.items()):
            archive.writestr(name, text)
    folder = batch._unpack(source, tmp_path / "out")
    assert folder.name == "alice" and _files(folder) == ["a01_tensors.py", "a02_views.ipynb"]
    assert (folder / "a01_tensors.py").read_text() == "top"
    assert _files(tmp_path / "out") == ["submission/alice/a01_tensors.py", "submission/alice/a02_views.ipynb"]


def test_a_flood_of_files_extracts_only_the_assignment_files(tmp_path):
    members = {f"bob/junk/{i}.txt": "" for i in range(5000)} | {"bob/a01_tensors.py": "x = 1\n"}
    folder = batch._unpack(_zip(tmp_path / "bob.zip", members), tmp_path / "out")
    assert _files(tmp_path / "out") == ["submission/bob/a01_tensors.py"] and folder.name == "bob"


def test_too_many_files_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "MAX_ZIP_FILES", 100)
    source = _zip(tmp_path / "bob.zip", {f"bob/{i}.txt": "" for i in range(101)})
    with pytest.raises(ValueError, match=r"^bob.zip: more than 100 files; not extracted$"):
        batch._unpack(source, tmp_path / "out")


def test_paths_escaping_the_folder_are_not_followed(tmp_path):
    members = {"../evil.py": "x", "../a01_tensors.py": "x", "/abs/a02_views.py": "x", "eve/a03_vectorize.py": "ok"}
    out = tmp_path / "deep" / "out"
    folder = batch._unpack(_zip(tmp_path / "eve.zip", members), out)
    assert _files(tmp_path) == ["deep/out/submission/eve/a03_vectorize.py", "eve.zip"]
    assert folder == out / "submission" / "eve"


def test_files_at_the_top_stay_at_the_top(tmp_path):
    folder = batch._unpack(_zip(tmp_path / "z.zip", {"a01_tensors.py": "1", "x/a02_views.py": "2"}), tmp_path)
    assert folder == tmp_path / "submission" and _files(folder) == ["a01_tensors.py", "a02_views.py"]
