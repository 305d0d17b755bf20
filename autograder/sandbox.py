"""What a worker may touch, set up in the forked worker before any student code runs.

As root (CI, Gradescope), each worker:

- gets a network namespace of its own (no interfaces up: no connection to anything, the grader's
  machine included) and a private mount namespace in which the reference solutions, the hidden suites, the
  repository's tests and the submissions folder are covered by empty tmpfs mounts: student code
  cannot read them (its own file was copied into its scratch folder first);
- drops to an unprivileged uid of its own (:func:`worker_uid`, from its pid): it cannot write the
  grader's files (results.json included), signal the grading process, or signal the worker of
  another student graded alongside; when it ends, everything running under that uid is killed,
  daemons that left its process group included;
- has its processes capped (a fork bomb stops at ``MAX_PROCESSES``) and its files capped at
  ``MAX_FILE_BYTES`` (50 MB of prints cannot fill the disk).

Not as root, none of this is possible: the worker runs as the grader's user, and the grading
report says so (:func:`limitations`) instead of pretending.
"""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import signal
import sys
import sysconfig
import tempfile
from pathlib import Path

FIRST_UID, UIDS = 40000, 20000  # inside the usual 65536-uid map of containers
MAX_PROCESSES = 256
MAX_FILE_BYTES = 256 * 2**20
_CLONE_NEWNS, _CLONE_NEWNET = 0x00020000, 0x40000000
_MS_BIND, _MS_REC, _MS_PRIVATE, _MNT_DETACH = 0x1000, 0x4000, 1 << 18, 2


def worker_uid(pid: int) -> int:
    return FIRST_UID + pid % UIDS


def can_isolate() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and Path("/proc/self/ns/mnt").exists()


def limitations() -> str | None:
    """One line for the report when workers cannot be isolated from the grader's files."""
    if can_isolate():
        return None
    return (
        "workers run as the grading user (not root): they are time- and memory-limited, but can read "
        "files that user can read and signal its processes; grade as root (CI, Gradescope) to isolate them"
    )


def confine(scratch: str, hide: list[str]) -> None:
    """Called in the worker, as root, after its files are open and before student code runs."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the cap fails instead of killing
    if not can_isolate():
        return
    uid = worker_uid(os.getpid())
    for root, dirs, files in os.walk(scratch):  # before any mount: never walk into the environment
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            os.chown(name, uid, uid)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.unshare(_CLONE_NEWNET)  # best effort: where it fails, the worker keeps the host's network
    if libc.unshare(_CLONE_NEWNS) != 0:
        return  # no private mounts here: hiding and the user change are not possible
    libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None)  # never propagate to the host
    _hide(libc, hide)
    if not _expose(libc, _environment()):
        return  # the interpreter would be unreadable to another user: stay root, hidden files only
    os.environ.update(HOME=scratch, XDG_CACHE_HOME=os.path.join(scratch, ".cache"))
    resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def runs_as(uid: int, besides: int = 0) -> bool:
    """Whether any process but ``besides`` runs as ``uid`` (zombies included): a scan of /proc, far
    cheaper than forking the helper of :func:`kill_everything_of` from a process that holds torch."""
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != besides:
            try:
                if entry.stat(follow_symlinks=False).st_uid == uid:
                    return True
            except OSError:
                continue  # it ended meanwhile
    return False


def kill_everything_of(uid: int) -> None:
    """Kill every process running as ``uid`` (a worker and whatever it left), from a helper child
    that takes that uid: ``kill(-1)`` reaches exactly the processes it may signal."""
    helper = os.fork()
    if helper == 0:
        try:
            os.setgid(uid)
            os.setuid(uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(helper, 0)


def _hide(libc, paths: list[str]) -> None:
    keep = _kept()  # the environment must stay visible
    for path in paths:
        folder = Path(path).resolve()
        if folder.is_dir() and not any(k == folder or folder in k.parents for k in keep):
            libc.mount(b"tmpfs", os.fsencode(str(folder)), b"tmpfs", 0, b"size=4k,mode=000")


@functools.cache
def _environment() -> list[str]:
    """Where the interpreter, its standard library and the installed packages live (computed once,
    in the zygote, by :func:`prepare`: every worker would otherwise pay for it)."""
    return sorted({sys.prefix, sys.base_prefix, sysconfig.get_paths()["stdlib"], torch_dir()})


@functools.cache
def _kept() -> list[Path]:
    return [Path(p).resolve() for p in _environment()]


def prepare() -> None:
    """Called in the zygote before it forks: what every worker's :func:`confine` needs, once."""
    _kept()


def _expose(libc, paths: list[str]) -> bool:
    """Make ``paths`` reachable by an unprivileged user in this mount namespace, e.g. Python under
    /root (mode 700): /root is covered by a tmpfs anyone may traverse, and the needed child
    (/root/.pyenv) is bound back into it. Returns False if that is not possible."""
    children: dict[Path, set[str]] = {}
    for path in map(Path, paths):
        for parent in reversed(path.parents):  # from / down
            if not parent.stat().st_mode & 0o001:
                children.setdefault(parent, set()).add(path.relative_to(parent).parts[0])
                break
    for blocked, names in children.items():
        stash = Path(tempfile.mkdtemp(prefix="expose-"))
        for name in names:
            (stash / name).mkdir()
            if libc.mount(
                os.fsencode(str(blocked / name)), os.fsencode(str(stash / name)), None, _MS_BIND | _MS_REC, None
            ):
                return False
        if libc.mount(b"tmpfs", os.fsencode(str(blocked)), b"tmpfs", 0, b"size=4k,mode=0711"):
            return False
        for name in names:
            (blocked / name).mkdir()
            if libc.mount(
                os.fsencode(str(stash / name)), os.fsencode(str(blocked / name)), None, _MS_BIND | _MS_REC, None
            ):
                return False
            libc.umount2(os.fsencode(str(stash / name)), _MNT_DETACH)
            os.rmdir(stash / name)
        os.rmdir(stash)
    return True


def torch_dir() -> str:
    import torch

    return os.path.dirname(torch.__file__)
