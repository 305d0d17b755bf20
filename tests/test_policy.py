"""The static screen (autograder/harness/isolation/policy.py): everyday course code passes, routes into the grader's
process are named with their line, and the red team's working attacks lose their points."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO, SOLUTIONS, grade, with_override

from autograder.harness.isolation import policy

HOSTILE = Path(__file__).parent / "hostile"

EVERYDAY = [
    "import torch\nimport torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n",
    "import torch.nn as nn\ndef act(name):\n    return getattr(nn, name)()\n",
    "def f(x):\n    return type(x).__name__ + x.__class__.__qualname__\n",
    "import os\ndef load(folder):\n    if not os.path.isdir(folder):\n        raise FileNotFoundError(folder)\n",
    "import sys\nprint('warning', file=sys.stderr)\n",
    "import gc\ngc.collect()\n",
    "import numpy as np\nimport math, itertools, functools, collections\n",
    "from torch.utils.data import DataLoader, Dataset\nimport torch.nn.functional as F\n",
    "if __name__ == '__main__':\n    pass\n",
    "from transformers import AutoModel, AutoTokenizer\n",
    "class D:\n    def __len__(self):\n        return 3\n    def __getitem__(self, i):\n        return self._x[i]\n",
    # Honest styles a red team found refused by the first version of the screen:
    "import matplotlib.pyplot as plt\nfrom IPython.display import display\n",
    "import torch.nn as nn\nfan_in, _ = nn.init._calculate_fan_in_and_fan_out(w)\n",
    "class A:\n    def __init__(self, **kw):\n        self.__dict__.update(kw)\n",
    "class W:\n    def __getattr__(self, name):\n        return super().__getattr__(name)\n",
    "PAD, UNK = '__pad__', '__unk__'\n",
    "import logging\nlogging.getLogger('transformers').setLevel(logging.ERROR)\n",
    "import csv, glob, operator, argparse\nfrom operator import itemgetter\n",
    "import sys\nsys.path.append('..')\nprint(sys.argv)\n",
    "class A:\n    def __repr__(self):\n        return str(vars(self))\n",
    # Found by a student who worked a06 and a09: refused the whole assignment.
    "def evaluate(model):\n    previous = 'train' if model.training else 'eval'\n    getattr(model, previous)()\n",
    "for mode in ('train', 'eval'):\n    print(mode)\n",
    "import errno, os\nraise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), 'folder')\n",
    "from pprint import pprint\nimport unicodedata\npprint(unicodedata.normalize('NFC', 'x'))\n",
]

ROUTES = [
    ("import sys\nsys._getframe()", "sys._getframe"),
    ("import sys\nf = sys._getframe().f_back.f_globals", ".f_back"),
    ("import gc\ngc.get_objects()", ".get_objects"),
    ("import ctypes", "import ctypes"),
    ("import inspect", "import inspect"),
    ("from torch.utils._python_dispatch import _pop_mode", "import torch.utils._python_dispatch"),
    ("import torch\ntorch._C._len_torch_dispatch_stack()", "torch._C"),
    ("from torch import _C", "from torch import _C"),
    ("def f(g):\n    return g.__globals__", ".__globals__"),
    ("x = ().__class__.__base__.__subclasses__()", ".__subclasses__"),
    ("x = getattr(f, '__globals__')", "the string '__globals__'"),
    ("eval('1')", "eval"),
    ("__import__('os')", "__import__"),
    ("import os\nos.write(3, b'x')", "os.write"),
    ("open(3, 'wb')", "open() of a file descriptor number"),
    ("import subprocess", "import subprocess"),
    ("import socket", "import socket"),
    ("from torch.utils.cpp_extension import load_inline", "from torch.utils import cpp_extension"),
    ("import torch.utils.cpp_extension", "import torch.utils.cpp_extension"),
    ("import numpy as np\nnp.ctypeslib", ".ctypeslib"),
    ("from . import helper", "a relative import"),
    # Found by a second red team:
    ("import gc\nx = getattr(gc, 'get_objects')()", ".get_objects"),
    ("import gc\nx = getattr(gc, 'get_' + 'objects')()", "computed name"),
    ("import torch.utils.data.dataloader as dl\ndl.threading.Thread", "threading"),
    ("import typing\ntyping.sys._getframe()", "sys._getframe"),
    ("import numpy as np\nnp.lib.stride_tricks.as_strided", ".stride_tricks"),
    ("class P:\n    __array_interface__ = {}", "__array_interface__"),
    ("import torch\nvars(torch)", "vars()"),
    ("from operator import attrgetter", "attrgetter"),
    ("x = globals()['__builtins__']", "the string '__builtins__'"),
    ("import pprint\npprint.types.FunctionType", "types"),
    ("import pprint\npprint.sys._getframe()", "sys._getframe"),
]


@pytest.mark.parametrize("source", EVERYDAY)
def test_everyday_course_code_passes(source):
    assert policy.violations([("", source)]) == []


def test_no_reference_stub_or_corpus_file_is_refused():
    files = [*SOLUTIONS.glob("a*.py"), *(REPO / "assignments").glob("a*.py"), *(REPO / "tests/corpus").rglob("*.py")]
    assert len(files) > 200
    refused = {f.name: policy.violations([("", f.read_text())]) for f in files}
    assert {name: found for name, found in refused.items() if found} == {}


@pytest.mark.parametrize(("source", "named"), ROUTES, ids=[r[1] for r in ROUTES])
def test_routes_into_the_process_are_named_with_their_line(source, named):
    found = policy.violations([("", source)])
    assert found, source
    text = policy.describe(found, "a01_tensors.py")
    assert "line " in text and "was not run" in text
    assert any(named.split()[-1] in str(v) for v in found), [str(v) for v in found]


def test_notebook_cells_are_read_as_one_program():
    found = policy.violations([("code cell 1", "import torch as t"), ("code cell 2", "t._C")])
    assert [str(v) for v in found] == [f"code cell 2, line 1: torch._C ({policy.INTERNALS})"]


@pytest.mark.parametrize(
    ("name", "function"),
    [
        ("a03_patches_the_op_counter.py", "standardize"),
        ("a04_patches_a_trusted_helper.py", "freeze"),
        ("a01_announces_a_message_it_never_sends.py", "from_list"),
        ("a03_hides_from_the_screen_behind_a_coding_cookie.py", "standardize"),
        ("a03_forges_replies_with_the_real_nonce.py", "standardize"),
        ("a03_clears_the_counter_through_gc.py", "standardize"),
        ("a03_loops_in_a_thread.py", "standardize"),
    ],
)
def test_the_red_teams_working_attacks_are_not_run(tmp_path, name, function):
    """Each of these raised a score (or hung the grader) before the screen; now the file is not run."""
    assignment = name[:3]
    folder = tmp_path / "sub"
    folder.mkdir()
    target = {"a01": "a01_tensors", "a03": "a03_vectorize", "a04": "a04_modules"}[assignment]
    (folder / f"{target}.py").write_bytes((HOSTILE / name).read_bytes())
    graded = grade(folder, tmp_path / "r.json", "-k", target)
    assert graded.score == 0
    assert "was not run, so this assignment earns no points" in graded.tests_of(function)[0]["output"]
    assert "line " in graded.tests_of(function)[0]["output"]


def test_a_forged_reply_on_the_grader_channel_is_rejected(tmp_path):
    source = (HOSTILE / "a01_writes_on_the_grader_channel.py").read_text()
    graded = grade(with_override(tmp_path, "a01_tensors", source), tmp_path / "r.json", "-k", "from_list")
    outputs = json.dumps([t["output"] for t in graded.tests_of("from_list")])
    assert all(t["score"] == 0 for t in graded.tests_of("from_list")), outputs
    assert "does not answer the grader's request" in outputs or "cannot read" in outputs


def test_a_dict_spelling_a_wire_tag_is_never_a_tensor(tmp_path):
    source = (HOSTILE / "a03_forges_a_device_tag.py").read_text()
    graded = grade(with_override(tmp_path, "a03_vectorize", source), tmp_path / "r.json", "-k", "standardize_rows")
    device = [t for t in graded.tests_of("standardize_rows") if t["tags"][2] == "device"]
    assert device and all(t["score"] == 0 for t in device)
    assert "should return a torch.Tensor" in device[0]["output"] or "dict object" in device[0]["output"]


def test_a_screened_file_is_screened_again_when_a_single_byte_differs(tmp_path):
    """Workers skip the screen for the very bytes an earlier worker screened and imported (it costs
    ~4 ms a worker); any other file, and one that was refused, is read again each time."""
    from autograder.harness.isolation import remote

    clean = tmp_path / "clean" / "a03_vectorize.py"
    clean.parent.mkdir()
    clean.write_bytes((SOLUTIONS / "a03_vectorize.py").read_bytes() + f"# {tmp_path}\n".encode())
    attack = tmp_path / "attack" / "a03_vectorize.py"
    attack.parent.mkdir()
    attack.write_bytes((HOSTILE / "a03_patches_the_op_counter.py").read_bytes())

    def start(path: Path) -> remote.Worker:
        worker = remote.Worker("a03_vectorize", path, seed=0, call_timeout=30, memory_bytes=2**32)
        try:
            worker.start()
        finally:
            worker.close()
        return worker

    assert not start(clean)._job.screened  # first time: screened
    assert start(clean)._job.screened  # the same bytes: taken as screened
    for _ in range(2):  # refused each time: a refused file is never taken as screened
        with pytest.raises(remote.AssignmentUnavailable, match="was not run"):
            start(attack)
    clean.write_bytes(clean.read_bytes() + b"\n")
    assert not start(clean)._job.screened


def test_bytes_screened_as_a_py_file_are_screened_again_as_a_notebook(tmp_path):
    """The same bytes can be harmless Python (a dict literal) and a notebook whose cell reaches into
    the process: what was screened is the file's bytes *as that kind of file*."""
    from autograder.harness.isolation import remote

    cell = "import ctypes\ndef from_list(x):\n    return x\n"
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "source": cell, "outputs": [], "execution_count": 1}]}
    notebook |= {"metadata": {"case": str(tmp_path)}, "nbformat": 4, "nbformat_minor": 5}
    both = json.dumps(notebook).encode()  # valid Python as well: a dict literal
    py, ipynb = tmp_path / "py" / "a01_tensors.py", tmp_path / "nb" / "a01_tensors.ipynb"
    for path in (py, ipynb):
        path.parent.mkdir()
        path.write_bytes(both)

    def start(path: Path) -> None:
        worker = remote.Worker("a01_tensors", path, seed=0, call_timeout=30, memory_bytes=2**32)
        try:
            worker.start()
        finally:
            worker.close()

    start(py)  # screened, imported: a dict and a comment
    with pytest.raises(remote.AssignmentUnavailable, match="was not run"):
        start(ipynb)
