"""The grading side of the zygotes (see :mod:`autograder.harness.isolation.zygote`): start them, ask
them for workers, and start the ones a grading run will need before that run has imported torch.

Import-light on purpose (no torch): :func:`start_early` runs from :mod:`autograder.pytest_options`
as soon as pytest has read the command line. A zygote then imports torch (~2 s) while the grading
process imports its own and collects the suites, instead of after: a cold run of one assignment
waits for one torch import, not two in a row.
"""

from __future__ import annotations

import ast
import collections
import dataclasses
import hashlib
import importlib.util
import json
import os
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path

from autograder import PACKAGE, REPO
from autograder.harness.isolation import sandbox, zygote
from autograder.harness.isolation.protocol import Job


class Zygote:
    """A zygote of this grading process (see :mod:`autograder.harness.isolation.zygote`), started on first use.

    ``library``: the simulated CUDA device's native half, for the zygote of device tests.
    ``preload``: modules to import once before forking (transformers for a09: ~2-7 s each time).
    ``parent``: the lean zygote of the same device, which forks this one (then only ``preload`` is
    imported here, not torch again); ``None``: a process of its own.
    """

    def __init__(self, library: str | None = None, preload: tuple[str, ...] = (), parent: Zygote | None = None) -> None:
        self.library = library
        self.preload = preload
        self.parent = parent
        self._process: subprocess.Popen | None = None
        self._spawned: list = []  # a child zygote's ticket for the pid its parent forked
        self._sock: socket.socket | None = None
        # Replies not read yet, one slot per request that gets one, in the order they were sent:
        # a fork's reply may be read later (Worker.begin), after other requests' replies.
        self._pending: collections.deque[list] = collections.deque()

    def start(self) -> None:
        """Start the zygote process if it is not running (returns at once; it imports meanwhile)."""
        self._ensure()

    def _alive(self) -> bool:
        if self._sock is None:
            return False
        if self.parent is None:
            return self._process is not None and self._process.poll() is None
        return self.parent._alive()

    def _ensure(self) -> socket.socket:
        if self._alive():
            return self._sock  # type: ignore[return-value]
        # Datagram-like packets keep request boundaries: discard requests get no reply, so two
        # requests may be queued back to back.
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        if self.parent is not None:
            self._spawned = self.parent._spawn(self.preload, theirs)
        else:
            env = sandbox.zygote_environment(package_root=str(REPO))
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "autograder.harness.isolation.zygote",
                    str(theirs.fileno()),
                    self.library or "-",
                    *self.preload,
                ],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                env=env,
            )
        theirs.close()
        self._sock = ours
        while self._pending:  # asked of a zygote that is gone: no answer will come
            self._pending.popleft().append({"lost": True})
        return ours

    def _spawn(self, preload: tuple[str, ...], end: socket.socket) -> list:
        """Ask this zygote to fork a child zygote that imports ``preload`` and answers on ``end``;
        the ticket for its pid."""
        self._ensure()
        return self._request({"op": "spawn", "preload": list(preload)}, (end.fileno(),))

    def process_id(self) -> int | None:
        """The zygote's pid (a child zygote's as its parent reported it); None when not running."""
        if not self._alive():
            return None
        if self.parent is None:
            return self._process.pid  # type: ignore[union-attr]
        return self.parent._reply(self._spawned).get("pid")

    def _request(self, message: dict, fds: tuple[int, ...] = ()) -> list:
        """Send a request that gets a reply; the ticket its reply will fill (``{"lost": True}`` at
        once when the zygote is gone: a child zygote that died, whose parent lives on)."""
        ticket: list = []
        try:
            zygote.send_json(self._sock, message, fds)  # type: ignore[arg-type]
        except OSError:
            self._gone()
            ticket.append({"lost": True})
        else:
            self._pending.append(ticket)
        return ticket

    def _gone(self) -> None:
        """The zygote stopped answering: what it owed is lost, and the next use starts a new one."""
        self._sock = None
        while self._pending:
            self._pending.popleft().append({"lost": True})

    def fork(self, job: Job, log_fd: int) -> tuple[list, Connection]:
        """Ask for a new worker for ``job``, writing to ``log_fd``; returns at once with a ticket
        for its pid (:meth:`pid`) and our side of its connection. The zygote forks meanwhile."""
        self._ensure()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        ticket = self._request({"op": "fork", "job": dataclasses.asdict(job)}, (theirs.fileno(), log_fd))
        theirs.close()
        return ticket, Connection(ours.detach())

    def pid(self, ticket: list) -> int:
        """The pid of the worker a :meth:`fork` ticket stands for (waits for the zygote's reply)."""
        reply = self._reply(ticket)
        if "lost" in reply:
            from autograder.harness.isolation.remote import WorkerFailure

            raise WorkerFailure("the process that starts workers stopped before this one started")
        return int(reply["pid"])

    def _reply(self, ticket: list) -> dict:
        while not ticket:
            try:
                reply, _ = zygote.recv_json(self._sock)
            except (EOFError, OSError):  # it died (a child zygote's parent outlives it)
                self._gone()
                break
            self._pending.popleft().append(reply)
        return ticket[0]

    def reap(self, pid: int) -> int | None:
        """Kill the worker (and its process group) and return its exit code."""
        if self._sock is None:
            return None
        return self._reply(self._request({"op": "reap", "pid": pid})).get("exit_code")

    def discard(self, pid: int) -> None:
        """Kill the worker (and its process group) without waiting for it to die."""
        self.notify({"op": "discard", "pid": pid})

    def notify(self, message: dict) -> None:
        """Send a request that gets no reply, if the zygote is there to take it."""
        if self._sock is not None:
            try:
                zygote.send_json(self._sock, message)
            except OSError:
                self._gone()


def settle() -> None:
    """This process will grade again (a warm grading process between students): every running
    zygote may spend its idle moments making its forks cheaper (see ``zygote._HugePages``)."""
    for started in _ZYGOTES.values():
        started.notify({"op": "settle"})


_ZYGOTES: dict[tuple[str | None, tuple[str, ...]], Zygote] = {}


def zygote_for(simulate_cuda: bool, preload: tuple[str, ...] = ()) -> Zygote:
    """The zygote of workers on the CPU or the simulated CUDA device, with ``preload`` imported
    (one per kind in this process, started on first use). With a ``preload``, it is forked from the
    lean zygote of the same device (which is started too)."""
    library = None
    if simulate_cuda:
        library = known_library()
        if library is None:
            from autograder.harness.isolation import simcuda  # raises SimulatedCudaUnavailable where it cannot be built

            library = str(simcuda.library())
    key = (library, preload)
    if key not in _ZYGOTES:
        parent = zygote_for(simulate_cuda) if preload else None
        _ZYGOTES[key] = Zygote(library, preload, parent)
    return _ZYGOTES[key]


# -- the simulated device's library, found without importing torch -----------------------------------
GUARD_SOURCE = PACKAGE / "harness" / "isolation" / "simcuda" / "guard.cpp"


def cache_dir() -> Path:
    """Where the simulated device's library is built (``$AUTOGRADER_CACHE``, else ``~/.cache``)."""
    root = os.environ.get("AUTOGRADER_CACHE") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "pytorch-nlp-course"


def _library_index() -> Path:
    return cache_dir() / "simcuda-index.json"


def _facts(torch_dir: str) -> dict[str, str]:
    """What a built library depends on: its source, this Python, and this torch's files."""

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    return {
        "source": digest(GUARD_SOURCE),
        "python": sys.version,
        "torch": torch_dir,
        "torch version": digest(Path(torch_dir) / "version.py"),
    }


def remember_library(library: Path, torch_dir: str) -> None:
    """Note (for :func:`known_library`) the library :func:`simcuda.library` found or built."""
    try:
        entry = {**_facts(torch_dir), "library": str(library)}
        index = _library_index()
        if not index.is_file() or json.loads(index.read_text()) != entry:
            index.write_text(json.dumps(entry))
    except (OSError, ValueError):
        pass  # the index only saves time; the library itself is found again by importing torch


def known_library() -> str | None:
    """The simulated device's library, as last built for this very Python, torch and source;
    ``None`` when that cannot be told without importing torch."""
    try:
        spec = importlib.util.find_spec("torch")
        locations = list(spec.submodule_search_locations or []) if spec else []
        entry = json.loads(_library_index().read_text())
        if not locations or {key: entry.get(key) for key in _facts(locations[0])} != _facts(locations[0]):
            return None
        return entry["library"] if os.path.isfile(entry["library"]) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


# -- starting early ----------------------------------------------------------------------------------
def start_early(paths: list[str], submission: str | None, assignment: str | None, keyword: str | None = None) -> None:
    """For ``pytest autograder ...`` (``paths``: pytest's test paths): start the zygotes the run will
    need, judged from file names only (the grading run finds the same ones again, already started,
    and starts any that were missed). Does nothing when the run is not one of the course's suites.

    With ``-k`` (``keyword``), only suites whose assignment the expression names (``-k a03_vectorize``)
    are counted; an expression that names none, or says "not", starts nothing early: a zygote
    started for nothing costs seconds of CPU that the tests then lack."""
    suites = suites_run(paths)
    if keyword is not None:
        words = keyword.replace("(", " ").replace(")", " ").split()
        named = {name: suite for name, suite in suites.items() if any(name in word for word in words)}
        suites = {} if "not" in words else named
    if not suites:
        return
    submitted = _submitted(Path(submission) if submission else REPO / "assignments", assignment)
    graded = {
        name: _preload(suite)
        for name, suite in suites.items()
        if name in submitted and (assignment is None or name == assignment)
    }
    if not graded:
        return
    for preload in sorted(set(graded.values())):
        zygote_for(False, preload).start()
    if not os.path.exists("/dev/nvidiactl") and known_library() is not None:
        # No real GPU: device tests run on the simulated one. Only its lean zygote here: which suites
        # have device tests is known after collection (the grading run starts those it needs then).
        zygote_for(True).start()


def suites_run(paths: list[str]) -> dict[str, Path]:
    """Assignment -> its suite, for the suites ``paths`` name (the package: all of them)."""
    suites = {}
    for arg in paths:
        path = Path(arg.split("::")[0]).expanduser().resolve()
        if path == PACKAGE:
            found = sorted(PACKAGE.glob("test_a[0-9][0-9]_*.py"))
        elif path.parent == PACKAGE and path.name.startswith("test_a") and path.suffix == ".py":
            found = [path]
        else:
            continue
        suites.update({suite.stem.removeprefix("test_"): suite for suite in found})
    return suites


def _submitted(path: Path, assignment: str | None) -> set[str]:
    """The assignments a submission has a file for, by name (a single file: ``--assignment`` or its name)."""
    if path.is_file():
        return {assignment or path.stem}
    if not path.is_dir():
        return set()
    return {entry.stem for entry in path.iterdir() if entry.suffix in (".py", ".ipynb")}


_PRELOADS: dict[tuple[str, int, int], tuple[str, ...]] = {}  # (path, mtime, size) -> PRELOAD


def _preload(suite: Path) -> tuple[str, ...]:
    """A suite's ``PRELOAD``, read from its source (a tuple of strings), without importing it; kept
    while the file is unchanged (a warm grading process would parse every suite for every student)."""
    stat = suite.stat()
    key = (str(suite), stat.st_mtime_ns, stat.st_size)
    if key not in _PRELOADS:
        _PRELOADS[key] = _parse_preload(suite.read_text())
    return _PRELOADS[key]


def _parse_preload(source: str) -> tuple[str, ...]:
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PRELOAD" for t in node.targets):
            value = ast.literal_eval(node.value)
            return tuple(value) if isinstance(value, tuple | list) else ()
    return ()
