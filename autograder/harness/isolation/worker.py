"""The worker: the only process that ever runs student code.

A worker is forked (from a server that has already imported torch, so a start costs milliseconds,
not seconds), moves into a scratch folder holding a copy of the submission, imports it, and then
answers requests from the grading process until the pipe closes:
 and replies as :mod:`autograder.harness.isolation.protocol` lists them.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import marshal
import os
import random
import resource
import sys
import traceback
import types
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from autograder import scenarios  # noqa: F401 - the trusted helpers, imported before folders are hidden
from autograder.harness.isolation import policy, sandbox, wire
from autograder.harness.isolation.protocol import COMPILED, MAX_COMPILED_BYTES, Job, Work, screen_key

MAX_MESSAGE_CHARS = 2000
BACKWARD = "autograd.backward"  # OpCounter's name for ops that autograd's engine ran


def serve(conn: Any, log_fd: int, job: Job, uid: int | None = None) -> None:
    """Worker entry point (runs in the forked child, as the zygote's user, until it confines itself
    and, sandboxed, becomes ``uid``)."""
    home = _isolate(conn.fileno(), log_fd, job, uid)
    trusted = _forget_trusted_modules()
    with _device(job):
        try:
            with open(os.path.join(home, job.file_name), "rb") as f:
                raw = f.read()
            sources = _sources(job.file_name, raw)
        except BaseException as exc:  # noqa: BLE001 - an unreadable notebook is the student's
            conn.send_bytes(wire.dumps({"import_error": describe_exception(exc, home)}))
            return
        # Before any student code runs, this process is still the grader's: its verdict can be trusted.
        screened = not job.screen or (job.screened and screen_key(job.file_name, raw) == job.screened)
        found = [] if screened else policy.violations(sources)
        if found:
            conn.send_bytes(wire.dumps({"refused": policy.describe(found, job.file_name)}))
            return
        try:
            codes = _codes(job, home, sources, screened)
            if job.keep_compiled:  # still before any student code: the grading process may keep it
                conn.send_bytes(wire.dumps({COMPILED: _kept(home, job, codes)}))
            module, notes = _import_student(job, home, sources, codes)
        except BaseException as exc:  # noqa: BLE001 - any failure at import is the student's
            conn.send_bytes(wire.dumps({"import_error": describe_exception(exc, home)}))
            return
        conn.send_bytes(wire.dumps({"ready": True, "notes": notes}))
        session = _Session(module, home, trusted, os.path.join(home, job.file_name))
        while True:
            try:
                request = wire.loads(conn.recv_bytes(), trusted=True)
            except (EOFError, OSError):
                return
            conn.send_bytes(session.answer(request))


class OpCounter(TorchDispatchMode):
    """Counts the ATen operations dispatched while active, by name (``aten.add``...).

    Python loops over elements show up as thousands of small ops; vectorised code as a handful
    that does not grow with the input. Ops are counted after PyTorch's own decompositions, so
    ``F.cross_entropy`` appears as ``aten._log_softmax`` and ``aten.nll_loss_forward``.
    Counts live in a plain dict (its methods cannot be patched, unlike a Counter's).
    """

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = str(func.overloadpacket)
        self.counts[name] = self.counts.get(name, 0) + 1
        if torch._C._current_graph_task_id() != -1:
            self.counts[BACKWARD] = self.counts.get(BACKWARD, 0) + 1  # run by autograd's engine
        return func(*args, **(kwargs or {}))


_COUNT = OpCounter.__torch_dispatch__
_STACK_LENGTH = torch._C._len_torch_dispatch_stack
_STACK_AT = torch._C._get_dispatch_stack_at


class _Instruments:
    """Tamper evidence for the op counter. Student code runs in the same process as the counter, so
    it could pop the counting mode off PyTorch's dispatch-mode stack, disable dispatch to Python, or
    exclude the Python dispatch key, and its ops would go uncounted. :func:`guard_dispatch_controls`
    (in the zygote, before any student code) wraps every function that does any of that, in every
    module that holds one: called while a call is being counted, they leave a mark, and the count
    is refused. A determined attacker with ``ctypes`` can still reach memory directly: the README
    says so; this closes the routes through PyTorch's own API."""

    counting = False
    used: list[str] = []
    elements = 0  # tensor elements turned into Python values by Tensor.tolist while counting


def _is_dispatch_control(name: str) -> bool:
    return name in (
        "_push_on_torch_dispatch_stack",
        "_pop_torch_dispatch_stack",
        "_set_dispatch_mode",
        "_unset_dispatch_mode",
        "_DisableTorchDispatch",
        "_DisablePythonDispatcher",
        "_EnablePythonDispatcher",
        "_ExcludeDispatchKeyGuard",
        "_IncludeDispatchKeyGuard",
        "_ForceDispatchKeyGuard",
        "_RestorePythonTLSSnapshot",
    ) or name.startswith("_dispatch_tls_set")


# Ways to run work where the thread-local counter cannot see it: another thread or another process.
_ELSEWHERE = {
    "_thread": ("start_new_thread", "start_joinable_thread", "start_new"),
    "posix": ("fork", "forkpty", "posix_spawn", "posix_spawnp"),
    "_posixsubprocess": ("fork_exec",),
}


_TOLIST = torch.Tensor.tolist


def _counted_tolist(self: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
    """``Tensor.tolist``, counting the elements it turns into Python numbers (it dispatches no op,
    so the op counter cannot see a Python loop that runs over its result in C, ``map`` or ``sum``)."""
    if _Instruments.counting:
        _Instruments.elements += self.numel()
    return _TOLIST(self, *args, **kwargs)


def guard_dispatch_controls() -> None:
    """Wrap PyTorch's dispatch-mode controls, and the primitives that start a thread or a process,
    everywhere they are reachable (see :class:`_Instruments`); count the elements that
    ``Tensor.tolist`` turns into Python values."""
    torch.Tensor.tolist = _counted_tolist
    originals = {id(v): (n, v) for n, v in vars(torch._C).items() if _is_dispatch_control(n)}
    for module_name, names in _ELSEWHERE.items():
        module = sys.modules.get(module_name) or importlib.import_module(module_name)
        for name in names:
            if hasattr(module, name):
                value = getattr(module, name)
                originals[id(value)] = (f"{module_name}.{name}", value)
    # Called again in a zygote forked from a guarded one: what is guarded already stays as it is.
    originals = {key: entry for key, entry in originals.items() if not hasattr(entry[1], "_grader_guard")}
    guarded = {key: _guarded(name, value) for key, (name, value) in originals.items()}
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for attr, value in list(namespace.items()):
            if id(value) in guarded and value is originals[id(value)][1]:
                namespace[attr] = guarded[id(value)]


def _guarded(name: str, original: Any) -> Any:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if _Instruments.counting:
            _Instruments.used.append(name)
        return original(*args, **kwargs)

    guarded.__name__ = guarded.__qualname__ = name
    guarded._grader_guard = True  # type: ignore[attr-defined]
    return guarded


def _line_tracer(is_student: Callable[[str], bool], tally: list[int]) -> Callable:
    """A ``sys.settrace`` function counting one event per call of, and per line run in, the
    student's code; other frames (torch's own Python code) are not traced at all."""

    def local(frame: types.FrameType, event: str, arg: Any) -> Callable:
        if event == "line":
            tally[0] += 1
        return local

    def on_call(frame: types.FrameType, event: str, arg: Any) -> Callable | None:
        if is_student(frame.f_code.co_filename):
            tally[0] += 1
            return local
        return None

    return on_call


def count_work(target: Any, args: tuple, kwargs: dict, is_student: Callable[[str], bool]) -> Work:
    """Call once, counting the ops dispatched, the student's Python lines run and the elements
    turned into Python values; with the reason they cannot be trusted when the call tampered."""
    counter = OpCounter()
    problem = None
    tally = [0]
    tracer = _line_tracer(is_student, tally)
    with counter:
        depth = _STACK_LENGTH()
        _Instruments.used.clear()
        _Instruments.elements = 0
        _Instruments.counting = True
        sys.settrace(tracer)
        try:
            target(*args, **kwargs)
        finally:
            traced = sys.gettrace() is tracer
            sys.settrace(None)
            _Instruments.counting = False
            if _Instruments.used:
                problem = f"it called {sorted(set(_Instruments.used))[0]} (work done there is not counted)"
            elif not traced:
                problem = "it changed the interpreter's trace function"
            elif torch.Tensor.__dict__.get("tolist") is not _counted_tolist:
                problem = "it replaced Tensor.tolist"
            elif _STACK_LENGTH() != depth or _STACK_AT(depth - 1) is not counter:
                problem = "it changed PyTorch's dispatch-mode stack"
            elif type(counter).__dict__.get("__torch_dispatch__") is not _COUNT:
                problem = "it replaced the grader's counter"
            if _STACK_LENGTH() != depth:  # leave a stack the with statement can close
                problem = problem or "it changed PyTorch's dispatch-mode stack"
                while _STACK_LENGTH() > depth:
                    torch._C._pop_torch_dispatch_stack()
    return Work(dict(counter.counts), tally[0], _Instruments.elements, problem)


_SIMCUDA: Any = None  # autograder.harness.isolation.simcuda, in the zygote of device tests (see warm_up)


def warm_up(simulate_cuda: bool) -> None:
    """Pay once, in the zygote, for what every worker would otherwise do on first use (the counting
    and simulating dispatch modes, NumPy's generator), without importing torch._dynamo (see
    :func:`_never_import_dynamo`). Single-threaded, so forking stays safe."""
    torch.set_num_threads(1)
    _never_import_dynamo(OpCounter)
    torch.manual_seed(0)
    np.random.seed(0)  # its first use builds NumPy's global generator: ~2 ms in every worker otherwise
    with OpCounter():
        torch.ones(2).add(1).sum().item()
    if simulate_cuda:
        global _SIMCUDA
        from autograder.harness.isolation import simcuda

        # The simulated device's own notice, not the student's: never shown under "Your code printed".
        warnings.filterwarnings("ignore", message=".*compiled without cuDNN.*")

        _never_import_dynamo(simcuda.SimulatedCuda)
        _SIMCUDA = simcuda  # kept here: workers take the course's modules out of sys.modules
        with simcuda.simulated_cuda():  # forward only: a CUDA backward starts threads fork cannot copy
            x = simcuda.to_simulated(torch.ones(2, 2))
            torch.nn.functional.linear(x, x).sum().item()


def _never_import_dynamo(mode: type[TorchDispatchMode]) -> None:
    """PyTorch wraps every dispatch mode's ``__torch_dispatch__`` so that torch.compile skips it, and
    the wrapper imports torch._dynamo on its first call (~1.4 s: most of a zygote's start). Nothing
    here is compiled, so give the wrapper the function itself as its "disabled" version, which it
    looks for before importing. Suites whose workers need torch._dynamo anyway (an optimizer's
    ``step`` imports it) list it in PRELOAD."""
    wrapper = vars(mode)["__torch_dispatch__"]
    original = getattr(wrapper, "__wrapped__", None)
    if original is not None:
        original.__dynamo_disable = original


def _device(job: Job) -> contextlib.AbstractContextManager:
    if not job.simulate_cuda:
        return contextlib.nullcontext()
    return _SIMCUDA.simulated_cuda()


def _place(data: torch.Tensor, requires_grad: bool, device: str) -> torch.Tensor:
    """A tensor the grading process sent for the simulated device (only sent when simulating)."""
    return _SIMCUDA.to_simulated(data, requires_grad)


def _isolate(conn_fd: int, log_fd: int, job: Job, uid: int | None) -> str:
    """Output to the log the grader opened, then the sandbox; returns the scratch folder's path."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    mapped = _mapped_bytes()  # /proc is not mounted in the sandbox
    home = sandbox.enter(job.scratch, keep_fds=(conn_fd,), uid=uid)  # closes every other descriptor
    wanted = sandbox.worker_environment(home)  # the zygote's allowlist, but for HOME and two more
    for key in [key for key in os.environ if key not in wanted]:
        del os.environ[key]
    for key, value in wanted.items():
        if os.environ.get(key) != value:  # only what differs: each write copies pages from the zygote
            os.environ[key] = value
    os.chdir(home)
    sys.path.insert(0, home)
    torch.set_num_threads(1)
    if torch.cuda._is_compiled() and not job.simulate_cuda:
        torch.manual_seed(job.seed)  # every device's generator (a real GPU's too)
    else:  # the same for this build, without torch.manual_seed's walk over every device module (~5 ms)
        torch.default_generator.manual_seed(job.seed)
    np.random.seed(job.seed % 2**32)
    random.seed(job.seed)
    if job.memory_bytes > 0:
        limit = mapped + job.memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return home


def _course_modules() -> tuple[str, ...]:
    return tuple(name for name in sys.modules if name == "autograder" or name.startswith("autograder."))


_COURSE_MODULES: tuple[str, ...] | None = None  # noted by the zygote (see note_course_modules)


def note_course_modules() -> None:
    """In the zygote, after its last import: the names :func:`_forget_trusted_modules` takes out.

    A forked worker that walks all of ``sys.modules`` writes to every module object (reference
    counts), and each write copies a page the zygote shared: ~8 ms per worker. Named here, a
    worker touches only the course's own ~60 modules."""
    global _COURSE_MODULES
    _COURSE_MODULES = _course_modules()


def _forget_trusted_modules() -> dict[str, types.ModuleType]:
    """Take the course's own modules out of ``sys.modules`` before student code runs, and keep them
    here for trusted requests. Their files are not in the sandbox either, so ``import
    autograder.scenarios`` fails for the student instead of handing over the grader's helpers."""
    names = _course_modules() if _COURSE_MODULES is None else _COURSE_MODULES
    return {name: sys.modules.pop(name) for name in names if name in sys.modules}


def _mapped_bytes() -> int:
    """What this process maps now (torch is imported): the memory cap is this plus the job's bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def _sources(path: str, raw: bytes) -> list[tuple[str, str]]:
    """What will run: ``[("", source)]`` for a .py file, ``[(cell name, source), ...]`` for a
    notebook (the cells :func:`_run_notebook` runs, magics and shell lines already removed), each
    named as the student sees it in Jupyter: ``cell In [7] ("def standardize(mat):")`` (the
    execution count when the notebook has one, else the code cell's position). A .py
    file is decoded exactly as the importer will (its coding cookie included) and then imported
    from that very text, so the screen reads what runs."""
    if not path.endswith(".ipynb"):
        return [("", importlib.util.decode_source(raw))]
    notebook = json.loads(raw.decode("utf-8"))
    cells = notebook.get("cells", []) if isinstance(notebook, dict) else []
    code_cells = [c for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
    runnable = []
    for number, cell in enumerate(code_cells, start=1):
        if _checks_code(cell):
            continue
        source = cell.get("source", "")
        source = "".join(map(str, source)) if isinstance(source, list) else str(source)
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        count = cell.get("execution_count")
        label = f"cell In [{count}]" if type(count) is int else f"cell {number}"
        first = next((line.strip() for line in lines if line.strip()), "")
        first = first if len(first) <= 50 else first[:47] + "..."
        runnable.append((f'{label} ("{first}")', "\n".join(lines)))
    return runnable


def _codes(job: Job, home: str, sources: list[tuple[str, str]], screened: bool) -> list:
    """The code objects of ``sources`` (None for a notebook cell that does not compile: it raises
    again when run).

    Compiling a submission costs a fresh worker ~2 ms; loading what an earlier worker compiled from
    the same bytes (``job.compiled``, trusted only with a passed ``screened`` check: same name, same
    bytes) costs a third of that. That worker sent it before any student code ran in it (see
    ``Job.keep_compiled``), so no student code can have written it."""
    path = os.path.join(home, job.file_name)
    if screened and job.compiled:
        try:
            with open(os.path.join(home, job.compiled), "rb") as f:
                where, codes = marshal.loads(f.read())
            if where == path and len(codes) == len(sources):
                return codes
        except (OSError, ValueError, EOFError, TypeError):
            pass  # compiled below, as if there were none
    if not path.endswith(".ipynb"):
        return [_compile(sources[0][1], path)]  # raises for the import_error
    codes = []
    for name, source in sources:
        try:
            codes.append(_compile(source, _cell_file(name)))
        except Exception:  # noqa: BLE001 - a SyntaxError, most likely
            codes.append(None)  # _run_notebook compiles it again, for the note
    return codes


def _compile(source: str, file_name: str) -> Any:
    """The student's code as Python itself would compile it: without this module's own ``from
    __future__`` flags, which compile() would otherwise pass on (annotations would become strings,
    so a function annotated with a name that does not exist would import here and nowhere else)."""
    return compile(source, file_name, "exec", dont_inherit=True)


def _kept(home: str, job: Job, codes: list) -> bytes | None:
    """What the grading process may keep of ``codes`` for later workers: None unless sandboxed
    (elsewhere each worker sees its file at a path of its own, which the code names) or too big."""
    if home != sandbox.WORK:
        return None
    compiled = marshal.dumps((os.path.join(home, job.file_name), codes))
    return compiled if len(compiled) <= MAX_COMPILED_BYTES else None


def _cell_file(name: str) -> str:
    """The file name a notebook cell's code is compiled under: ``<cell In [7]>`` (is_student and
    tracebacks know it)."""
    return "<" + name.split(" (", 1)[0] + ">"


def _import_student(job: Job, home: str, sources: list[tuple[str, str]], codes: list) -> tuple[Any, list[str]]:
    """The submission as a module, and notes for the student (cells of a notebook that raised)."""
    path = os.path.join(home, job.file_name)
    if path.endswith(".ipynb"):
        return _run_notebook(job.module_name, path, home, sources, codes)
    module = types.ModuleType(job.module_name)
    module.__file__ = path
    sys.modules[job.module_name] = module
    exec(codes[0], module.__dict__)  # noqa: S102 - compiled from the text the screen read
    return module, []


def _run_notebook(
    module_name: str, path: str, home: str, cells: list[tuple[str, str]], codes: list
) -> tuple[Any, list[str]]:
    """Run a notebook's code cells in order in one module namespace, as a kernel would.

    IPython magics (``%...``) and shell lines (``!...``) are skipped. A cell that raises is noted
    and skipped, so the functions defined in the other cells can still be graded. Cells that check
    code rather than define it are skipped too: nbgrader's autograded test cells (``grade`` without
    ``solution``; their hidden block grades this very notebook) and the release's example cells.
    """
    module = types.ModuleType(module_name)
    module.__file__ = path
    sys.modules[module_name] = module
    notes = []
    for (name, source), code in zip(cells, codes, strict=True):
        try:
            exec(code or _compile(source, _cell_file(name)), module.__dict__)  # noqa: S102
        except BaseException as exc:  # noqa: BLE001 - a broken cell costs only what it defines
            info = describe_exception(exc, home)
            notes.append(f"{name} raised {info['type']}: {info['message']} (it was skipped)")
    return module, notes


def _checks_code(cell: dict) -> bool:
    meta = cell.get("metadata")
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    if not isinstance(meta, dict):
        return False
    is_test = bool(meta.get("grade")) and not meta.get("solution")
    return is_test or str(meta.get("grade_id", "")).startswith("example_")


def describe_exception(exc: BaseException, student_dir: str) -> dict:
    """The exception as plain data: type names along the MRO, message, student-only traceback."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename.startswith(student_dir) or frame.filename.startswith("<cell ")  # notebook cells
    ]
    for frame in frames:
        frame.filename = Path(frame.filename).name
    lines = traceback.format_list(frames)
    if isinstance(exc, SyntaxError) and exc.filename:
        lines.append(f'  File "{Path(exc.filename).name}", line {exc.lineno}\n    {(exc.text or "").strip()}\n')
    message = _short(str(exc))
    lines.append(f"{type(exc).__name__}: {message}\n")
    return {
        "type": type(exc).__name__,
        "mro": [cls.__name__ for cls in type(exc).__mro__],
        "message": message,
        "traceback": _short("".join(lines), 4 * MAX_MESSAGE_CHARS),
    }


def _fresh(value: Any) -> Any:
    """A copy of ``value`` in which every tensor is a new clone and every floating tensor's values
    differ slightly (other objects are shared): a cache keyed on identity or on values never hits."""
    if isinstance(value, torch.Tensor):
        copy = value.detach().clone()
        if copy.is_floating_point() and copy.numel():
            copy.add_(torch.rand_like(copy).mul_(1e-4).mul_(copy.abs().add(1)))
        return copy.requires_grad_(value.requires_grad) if value.is_leaf else copy
    if isinstance(value, tuple | list):
        return type(value)(_fresh(v) for v in value)
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    return value


def _short(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 20] + " ... (truncated)"


class _Session:
    """The objects one worker holds for the grading process, by handle id (0 is the submission)."""

    def __init__(self, module: Any, home: str, trusted: dict[str, types.ModuleType], student_file: str) -> None:
        self.student_file = student_file  # the name the student's code was compiled under
        self.objects: dict[int, Any] = {0: module}
        self.ids: dict[int, int] = {id(module): 0}
        self.home = home
        self.trusted = trusted
        self.staged: list[tuple[tuple, dict]] = []
        self.spent: list[list[tuple[tuple, dict]]] = []

    def is_student(self, filename: str) -> bool:
        """Was code with this ``co_filename`` compiled from the submission (a file or a notebook cell)?"""
        return filename == self.student_file or filename.startswith("<cell ")

    def keep(self, obj: Any) -> dict:
        ref = self.ids.get(id(obj))
        if ref is None:
            ref = len(self.objects)
            self.objects[ref] = obj
            self.ids[id(obj)] = ref
        return {wire.HANDLE: ref, "type": type(obj).__name__}

    def resolve(self, handle: dict) -> Any:
        obj = self.objects[handle[wire.HANDLE]]
        for name in handle.get("path", ()):
            obj = getattr(obj, name)
        return obj

    def answer(self, request: dict) -> bytes:
        nonce = request.get("nonce")
        try:
            reply = self._run(request)
        except BaseException as exc:  # noqa: BLE001 - student code may raise anything, SystemExit too
            reply = {"error": describe_exception(exc, self.home)}
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        try:
            return wire.dumps({**reply, "nonce": nonce})
        except Exception as exc:  # noqa: BLE001 - e.g. a value no format can write
            return wire.dumps({"error": describe_exception(exc, self.home), "nonce": nonce})

    def _trusted(self, target: str) -> Any:
        """``package.module.name``: the course's modules from before the student's import, others
        (``torch.rand``, ``builtins.len``) as imported now."""
        module_name, _, attr = target.rpartition(".")
        module = self.trusted.get(module_name) or importlib.import_module(module_name)
        return getattr(module, attr)

    def _run(self, request: dict) -> dict:
        op = request["op"]
        args = wire.from_wire(request.get("args", ()), self.resolve, _place)
        kwargs = wire.from_wire(request.get("kwargs", {}), self.resolve, _place)
        if op == "ref":
            return {"value": self.keep(self._trusted(request["target"]))}
        if op in ("make", "run"):
            value = self._trusted(request["target"])(*args, **kwargs)
            return {"value": self.keep(value) if op == "make" else wire.to_wire(value, self.keep)}
        target = self.resolve({wire.HANDLE: request["ref"], "path": request["path"]})
        if op == "get":
            return {"value": wire.to_wire(target, self.keep)}
        if request.get("count_ops"):
            work = count_work(target, args, kwargs, self.is_student)
            counts = {"python": work.python, "elements": work.elements}
            return {"value": work.ops, **counts, "tampered": work.problem}
        if request.get("stage"):
            # Fresh copies of the inputs for each timed call, made before the timed request: code
            # that caches results by tensor identity gains nothing.
            self.staged = [_fresh((args, kwargs)) for _ in range(int(request["stage"]))]
            return {"value": None}
        if request.get("repeat"):
            staged, self.staged = self.staged, []
            for call_args, call_kwargs in staged:
                target(*call_args, **call_kwargs)
            self.spent.append(staged)  # kept alive: a later copy never reuses a spent one's id()
            return {"value": None}
        value = target(*args, **kwargs)
        if request.get("keep"):
            return {"value": self.keep(value)}
        if request.get("echo"):
            # One to_wire call, one message: storages shared by value and inputs stay shared.
            both = wire.to_wire((value, tuple(args), kwargs), self.keep)
            return {"value": both[0], "inputs": both[1], "kwinputs": both[2]}
        return {"value": wire.to_wire(value, self.keep)}
