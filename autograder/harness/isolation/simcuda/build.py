"""Compile ``guard.cpp`` against the installed torch, once per torch version (cached)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.harness.isolation.zygotes import GUARD_SOURCE as SOURCE
from autograder.harness.isolation.zygotes import cache_dir, remember_library


class SimulatedCudaUnavailable(RuntimeError):
    """The simulated device cannot be built here (no compiler, or the build failed)."""


def library() -> Path:
    """Path of the compiled library, building it first if needed (~2 s with g++)."""
    import torch
    import torch.utils.cpp_extension as cpp

    abi = int(torch._C._GLIBCXX_USE_CXX11_ABI)
    key = hashlib.sha256(f"{SOURCE.read_text()}|{torch.__version__}|{sys.version}|{abi}".encode()).hexdigest()[:16]
    target = cache_dir() / f"simcuda-{key}.so"
    if target.exists():
        remember_library(target, str(Path(torch.__file__).parent))
        return target
    compiler = shutil.which(os.environ.get("CXX", "g++")) or shutil.which("c++")
    if compiler is None:
        raise SimulatedCudaUnavailable("no C++ compiler (g++) on this machine to build the simulated CUDA device")
    torch_lib = str(Path(torch.__file__).parent / "lib")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        built = Path(scratch) / target.name
        command = [compiler, "-shared", "-fPIC", "-O1", "-std=c++20", f"-D_GLIBCXX_USE_CXX11_ABI={abi}"]
        command += [f"-I{path}" for path in cpp.include_paths()]
        command += [str(SOURCE), f"-L{torch_lib}", "-lc10", "-ltorch_cpu", f"-Wl,-rpath,{torch_lib}", "-o", str(built)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SimulatedCudaUnavailable(f"building the simulated CUDA device failed: {exc}") from None
        if done.returncode != 0:
            raise SimulatedCudaUnavailable(f"building the simulated CUDA device failed:\n{done.stderr[-2000:]}")
        os.replace(built, target)  # atomic: graders running side by side never load half a file
    remember_library(target, str(Path(torch.__file__).parent))
    return target
