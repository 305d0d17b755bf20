"""What a worker may touch: an allowlist, set up before any student code runs (the part every worker
shares once, in the zygote; the rest in each forked worker).

As root (CI, Gradescope, ``grade-all`` on a lab machine), :func:`enter` puts each worker in:

- **its own PID namespace**: it is process 1 there and sees no other process (``/proc`` is that
  namespace's own); when it dies, the kernel kills everything it started, daemons included;
- **its own mount namespace, with a new root** built from an allowlist: the interpreter, the
  standard library and the installed packages (read-only, minus the course's own package wherever
  it is installed), ``/usr`` and the libraries (read-only), a few device nodes, a private ``/tmp``
  and ``/dev/shm``, and ``/home/student`` holding its copy of the submission (each a tmpfs of
  256 MB, gone with the worker: the only writable places, and none on the machine's disk). No
  repository checkout (``.git``, ``solutions/``, ``source/``, ``tests/``), no home folder of the
  grader's, no other student's file exists there;
- **its own network namespace** (no interface up: no connection to anything);
- **a uid of its own**, unique among live workers of every grader on the machine (a lock held by
  the worker's keeper process, see :func:`claim_uid`), with no groups, ``no_new_privs``, a process
  cap (a fork bomb stops at ``MAX_PROCESSES``) and a file-size cap.

The grader's own files are never opened by a worker: its log arrives as an open descriptor and its
scratch folder is created by the grader (see :mod:`autograder.harness.isolation.remote`).

Where a layer cannot be had (not root, or a container that refuses namespaces), :func:`layers` says
which, once per process, and the grading report names what is missing instead of claiming it.
"""

from __future__ import annotations

import ctypes
import fcntl
import functools
import os
import resource
import shutil
import signal
import site
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from typing import Any

from autograder import PACKAGE

FIRST_UID, UIDS = 40000, 20000  # inside the usual 65536-uid map of containers
MAX_PROCESSES = 256
MAX_FILE_BYTES = 256 * 2**20
TMP_SIZE = "256m"  # each of a worker's /tmp and /dev/shm
WORK_SIZE = "256m"  # its home folder, holding its copy of the submission
WORK = "/home/student"  # a sandboxed worker's home and working folder: a copy of its scratch folder's files
_CLONE_NEWNS, _CLONE_NEWUTS, _CLONE_NEWIPC, _CLONE_NEWPID, _CLONE_NEWNET = (
    0x00020000,
    0x04000000,
    0x08000000,
    0x20000000,
    0x40000000,
)
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = (
    1,
    2,
    4,
    8,
    32,
    0x1000,
    0x4000,
    1 << 18,
)
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS = 1, 38
_SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime")
_DEVICES = ("null", "zero", "full", "random", "urandom")
_PRIVATE = ("/tmp", "/dev/shm")  # a fresh tmpfs in each worker
# The whole environment of a zygote and its workers (plus HOME, TMPDIR and XDG_CACHE_HOME in a
# worker): an allowlist, so no variable of the grader's (a token, a path) reaches student code.
# Hugging Face libraries fail fast instead of downloading.
ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "PYTHONHASHSEED": "0",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    # transformers 5.25+ swaps layers for kernels from the Hub on every change of train/eval mode;
    # a worker has no network, and the simulated GPU has no kernels to pick from.
    "USE_HUB_KERNELS": "NO",
    "TRANSFORMERS_VERBOSITY": "error",
    "TOKENIZERS_PARALLELISM": "false",
}
# Kept from the grader's environment when set: they change how libraries load or compute, not what
# a worker may reach (OpenBLAS needs the first two on some processors to compute right).
PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES")


def zygote_environment(package_root: str) -> dict[str, str]:
    """The environment a zygote is started with (its workers inherit the memory that holds it)."""
    env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
    return {**env, **ENVIRONMENT, "HOME": WORK, "PYTHONPATH": package_root}


@dataclass(frozen=True)
class Layers:
    """Which isolation layers this machine grants (probed once per process)."""

    root: bool
    pid_namespace: bool
    mount_namespace: bool
    network_namespace: bool
    no_keyrings: bool = True  # the seccomp filter that keeps workers off the kernel's keyrings

    @property
    def isolated(self) -> bool:
        return self.root and self.pid_namespace and self.mount_namespace

    def missing(self) -> list[str]:
        if not self.root:
            return ["a uid per worker", "a private filesystem (allowlist)", "a private PID namespace", "no network"]
        names = {
            "a private PID namespace": self.pid_namespace,
            "a private filesystem (allowlist)": self.mount_namespace,
            "no network": self.network_namespace,
            "no kernel keyrings": self.no_keyrings,
        }
        return [name for name, ok in names.items() if not ok]


@functools.cache
def layers() -> Layers:
    """Which layers this machine grants, found by trying them for real in a short-lived child (a few
    milliseconds): the namespaces, then a tmpfs and a ``/proc`` mounted inside them."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return Layers(False, False, False, False)
    libc = ctypes.CDLL(None, use_errno=True)
    where = tempfile.mkdtemp(prefix="autograder-probe-")
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        result = bytearray(3)
        try:
            result[1] = libc.unshare(_CLONE_NEWNET) == 0
            result[2] = libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 and _refuse_keyrings(libc)
            if libc.unshare(_CLONE_NEWPID | _CLONE_NEWNS) == 0:
                grandchild = os.fork()
                if grandchild == 0:
                    ok = libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) == 0
                    ok = ok and libc.mount(b"tmpfs", _b(where), b"tmpfs", 0, b"size=1m") == 0
                    ok = ok and os.mkdir(where + "/proc") is None
                    ok = ok and libc.mount(b"proc", _b(where + "/proc"), b"proc", 0, None) == 0
                    os._exit(0 if ok else 1)
                result[0] = os.waitpid(grandchild, 0)[1] == 0
        finally:
            os.write(write, bytes(result))
            os._exit(0)
    os.close(write)
    answer = os.read(read, 3).ljust(3, b"\0")
    os.close(read)
    os.waitpid(child, 0)
    os.rmdir(where)
    return Layers(True, bool(answer[0]), bool(answer[0]), bool(answer[1]), bool(answer[2]))


def limitations() -> str | None:
    """One line for the report naming each layer this machine does not grant, or None."""
    missing = layers().missing()
    if not missing:
        return None
    why = "grade as root (CI, Gradescope)" if not layers().root else "this machine refuses those namespaces"
    return (
        f"not enforced here: {', '.join(missing)} ({why}); workers are still time-, memory- and "
        "file-size-limited, and scores are still decided only by the grading process"
    )


def enforced() -> str:
    """One line for the report naming what is enforced."""
    if limitations() is None:
        return (
            "each worker runs as a uid of its own, in its own PID, mount and network namespaces, "
            "seeing only an allowlist of files (its own copy of the submission, the interpreter and "
            "packages read-only), with no access to the kernel's keyrings"
        )
    return "workers run as the grading user, time- and memory-limited"


# -- in the zygote, once ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Plan:
    """What a worker's new root holds; computed once in the zygote (:func:`prepare`)."""

    mountpoint: str  # where the zygote builds the shared part of every worker's root (see prepare)
    read_only: tuple[str, ...]  # folders and files bound read-only at the same path
    links: tuple[tuple[str, str], ...]  # symbolic links recreated (/lib -> usr/lib)
    hidden: tuple[str, ...]  # folders inside read_only ones covered by an empty tmpfs
    uid_locks: str  # where keepers lock their uid (shared by every grader of the machine)

    @property
    def shared(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The read-only and hidden paths the zygote mounts once (see :func:`_build_template`)."""
        return (
            tuple(p for p in self.read_only if not _covered(p, _PRIVATE)),
            tuple(p for p in self.hidden if not _covered(p, _PRIVATE)),
        )

    @property
    def own(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Those inside a worker's private /tmp or /dev/shm (a checkout's .venv under /tmp): each
        worker binds them on its own fresh tmpfs (see :func:`_finish_root`)."""
        return (
            tuple(p for p in self.read_only if _covered(p, _PRIVATE)),
            tuple(p for p in self.hidden if _covered(p, _PRIVATE)),
        )


_PLAN: Plan | None = None
_LIBC: Any = None
_OWN_PID_NAMESPACE = -1  # the zygote's PID namespace, restored for its children after each fork


def prepare() -> None:
    """Called in the zygote before it forks: everything a worker's :func:`enter` needs.

    The zygote moves into a mount namespace of its own and builds there, once, the part of the new
    root every worker shares (~20 read-only binds, see :func:`_build_template`); each worker's
    namespace starts as a copy of it, so a worker only mounts what is its own. Nothing mounted
    here is seen by the grading process."""
    global _PLAN, _LIBC, _OWN_PID_NAMESPACE
    if not layers().isolated:
        return
    _LIBC = ctypes.CDLL(None, use_errno=True)
    _OWN_PID_NAMESPACE = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
    _PLAN = make_plan()
    _keyring_filter()  # built here, not in each worker
    if _LIBC.unshare(_CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS) failed")
    _build_template(_LIBC, _PLAN)


def make_plan() -> Plan:
    """What a worker's new root holds, on this machine (computing it mounts nothing)."""
    python = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    python |= {sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    python |= set(site.getsitepackages())
    python |= {os.path.dirname(os.path.dirname(__import__("torch").__file__))}  # torch's site-packages
    read_only, links = [], []
    for path in _SYSTEM:
        if os.path.islink(path):
            links.append((path, os.readlink(path)))
        elif os.path.isdir(path):
            read_only.append(path)
    read_only += [p for p in _outermost(python) if os.path.isdir(p) and not _covered(p, read_only)]
    read_only += [p for p in _ETC if os.path.isfile(p)]
    if os.path.exists("/dev/nvidiactl"):  # a real GPU: its device nodes and the sysfs CUDA reads
        read_only += ["/sys"]
    if any(_covered(WORK, [r]) or _covered(r, [WORK]) for r in read_only):
        raise RuntimeError(f"the worker's folder {WORK} collides with an allowed folder: {read_only}")
    # The course's package (suites and harness), where this run imports it and wherever else it is
    # installed (Gradescope's setup installs a copy into site-packages, then grades from source).
    packages = {str(PACKAGE)}
    packages |= {os.path.realpath(os.path.join(p, "autograder")) for p in python}
    hidden = tuple(sorted(p for p in packages if os.path.isdir(p) and _covered(p, read_only)))
    state = _state_folder()
    for name in ("root", "uids"):
        os.makedirs(os.path.join(state, name), mode=0o700, exist_ok=True)
    return Plan(
        mountpoint=os.path.join(state, "root"),
        read_only=tuple(read_only),
        links=tuple(links),
        hidden=hidden,
        uid_locks=os.path.join(state, "uids"),
    )


def _outermost(paths: set[str]) -> list[str]:
    resolved = sorted({os.path.realpath(p) for p in paths})
    return [p for p in resolved if not any(p.startswith(q + "/") for q in resolved if q != p)]


def _covered(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r + "/") for r in roots)


def _state_folder() -> str:
    """A root-only folder every grader on this machine agrees on: :func:`claim_uid`'s locks, and the
    empty folder on which each worker mounts its new root."""
    base = "/run" if os.path.isdir("/run") and os.access("/run", os.W_OK) else tempfile.gettempdir()
    folder = os.path.join(base, "pytorch-nlp-course")
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(folder)
    if not (os.path.isdir(folder) and not os.path.islink(folder) and info.st_uid == 0 and info.st_mode & 0o077 == 0):
        return tempfile.mkdtemp(prefix="autograder-")  # someone else's: uids unique within this grader only
    return folder


# -- in each worker ---------------------------------------------------------------------------------
def claim_uid(folder: str) -> tuple[int, int]:
    """A uid no live worker of any grader on this machine holds, and the lock's descriptor (the
    zygote holds it until it has reaped the worker)."""
    start = int.from_bytes(os.urandom(2), "little") % UIDS
    for step in range(UIDS):
        uid = FIRST_UID + (start + step) % UIDS
        fd = os.open(os.path.join(folder, str(uid)), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return uid, fd
        except BlockingIOError:
            os.close(fd)
    raise RuntimeError(f"all {UIDS} worker uids are in use")


def fork() -> tuple[int, int | None, int | None]:
    """Fork a worker (in the zygote): ``(pid, uid, lock)``, as ``os.fork`` returns the pid.

    Sandboxed, the child is process 1 of a new PID namespace: it sees no other process, and when it
    dies the kernel kills everything it started (daemons that left its process group too) before
    the zygote can reap it. ``uid`` is the worker's, unique on the machine while the zygote holds
    ``lock`` (until it has reaped the worker, so until its whole namespace is gone). The zygote's
    own namespace for later children is restored right after the fork: that costs nothing, where a
    helper process per worker would cost a second fork of a torch-sized process."""
    if _PLAN is None:
        return os.fork(), None, None
    uid, lock = claim_uid(_PLAN.uid_locks)
    if _LIBC.unshare(_CLONE_NEWPID) != 0:
        os.close(lock)
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWPID) failed")
    pid = os.fork()
    if pid:
        _LIBC.setns(_OWN_PID_NAMESPACE, _CLONE_NEWPID)
    return pid, uid, lock


def enter(scratch: str, keep_fds: tuple[int, ...], uid: int | None) -> str:
    """Confine this forked, still-root worker; returns the scratch folder's path as it now sees it.

    ``keep_fds``: descriptors the worker needs (its socket; 0, 1 and 2 always stay); every other
    descriptor is closed before student code runs."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the cap fails instead of killing
    plan = _PLAN
    if plan is None or uid is None:
        _close_other_fds(keep_fds)
        return scratch
    libc = _LIBC
    if libc.unshare(_CLONE_NEWNS | _CLONE_NEWIPC | _CLONE_NEWUTS) != 0:
        raise OSError(ctypes.get_errno(), "unshare failed")
    libc.unshare(_CLONE_NEWNET)  # probed by layers(); where refused, the report says so
    _finish_root(libc, plan, scratch, uid)
    os.chroot(plan.mountpoint)
    os.chdir(WORK)
    _close_other_fds(keep_fds)
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    # After setuid, which clears it: the zygote gone (its grader killed), the namespace goes too.
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _refuse_keyrings(libc)  # probed by layers(); where refused, the report says so
    return WORK


# The kernel's keyrings belong to no namespace: a key a worker links into its uid's keyring, or into
# a named keyring any uid may join, outlives the worker and would reach a later one (another
# student's, in another grading process). No exercise needs them, so a seccomp filter refuses the
# three system calls that reach them (EPERM), on the architectures it knows.
_SECCOMP = {  # machine: (AUDIT_ARCH_*, add_key, request_key, keyctl)
    "x86_64": (0xC000003E, 248, 249, 250),
    "aarch64": (0xC00000B7, 217, 218, 219),
}
_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 22, 2
_SECCOMP_RET_ALLOW, _SECCOMP_RET_EPERM = 0x7FFF0000, 0x00050000 | 1
_X32_BIT = 0x40000000  # x86_64's x32 system calls: the same calls under other numbers


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _refuse_keyrings(libc) -> bool:
    """Install the keyring filter in this process (its children inherit it); False where it cannot
    be had (another architecture, or a kernel without seccomp filters). Needs ``no_new_privs``."""
    program = _keyring_filter()
    if program is None:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(program[0]), 0, 0) == 0


@functools.cache
def _keyring_filter() -> tuple[_SockFprog, Any] | None:
    """The BPF program (built once, in the zygote; kept alive with the array it points to)."""
    import platform

    known = _SECCOMP.get(platform.machine())
    if known is None:
        return None
    arch, *calls = known
    load, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, BPF_JMP|JGE|K, BPF_RET|K
    program = [
        (load, 0, 0, 4),  # seccomp_data.arch
        (jeq, 1, 0, arch),
        (ret, 0, 0, _SECCOMP_RET_EPERM),  # another ABI (i386 on x86_64): nothing at all
        (load, 0, 0, 0),  # seccomp_data.nr
        (jge, 4, 0, _X32_BIT),
        (jeq, 3, 0, calls[0]),
        (jeq, 2, 0, calls[1]),
        (jeq, 1, 0, calls[2]),
        (ret, 0, 0, _SECCOMP_RET_ALLOW),
        (ret, 0, 0, _SECCOMP_RET_EPERM),
    ]
    steps = (_SockFilter * len(program))(*[_SockFilter(*step) for step in program])
    return _SockFprog(len(program), steps), steps


def _mount(libc, source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    if libc.mount(_b(source), _b(target), _b(fstype), flags, _b(data)) != 0:
        raise OSError(ctypes.get_errno(), f"mount {source} on {target} failed")


def _bind(libc, source: str, target: str, *, writable: bool = False) -> None:
    """``source`` at ``target`` (made first: a folder, or an empty file), read-only unless
    ``writable``, never setuid."""
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "a").close()
    _mount(libc, source, target, None, _MS_BIND | _MS_REC)
    extra = 0 if writable else _MS_RDONLY
    _mount(libc, None, target, None, _MS_REMOUNT | _MS_BIND | _MS_NOSUID | extra | _statvfs_flags(source))


def _allow(libc, new: str, read_only: tuple[str, ...], hidden: tuple[str, ...]) -> None:
    """Bind ``read_only`` paths into the root at ``new``, then cover ``hidden`` ones (the course's
    package inside them) with an empty tmpfs."""
    for path in read_only:
        _bind(libc, path, new + path)
    for path in hidden:
        _mount(libc, "tmpfs", new + path, "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV, "size=4k,mode=000")


def _build_template(libc, plan: Plan) -> None:
    """In the zygote's own mount namespace: the new root's shared part at ``plan.mountpoint``,
    with empty folders where each worker mounts its own /tmp, /dev/shm and home folder; then
    the whole tmpfs read-only (the file system itself, not just this mount: no worker, root or
    not, can write to it, and every worker's copy of the namespace shares it)."""
    new = plan.mountpoint
    _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE)  # nothing propagates back to the host
    _mount(libc, "tmpfs", new, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=4m,mode=755")
    for private in (*_PRIVATE, WORK):
        os.makedirs(new + private, exist_ok=True)
    _allow(libc, new, *plan.shared)
    for path, target in plan.links:
        os.symlink(target, new + path)
    for name in _DEVICES:
        _bind(libc, f"/dev/{name}", new + f"/dev/{name}", writable=True)
    for gpu in sorted(os.listdir("/dev")):
        if gpu.startswith("nvidia"):
            _bind(libc, f"/dev/{gpu}", new + f"/dev/{gpu}", writable=True)
    # No /proc: /proc/self/mem would let code rewrite the worker's memory without ctypes, and
    # /proc/self/fd would list the grader's channel.
    _mount(libc, None, new, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)  # nothing new at the top


def _finish_root(libc, plan: Plan, scratch: str, uid: int) -> None:
    """In a worker's copy of the zygote's namespace: what is its own on top of the template, a
    fresh /tmp and /dev/shm, and at ``WORK`` a copy of the files the grader put in its scratch
    folder (the submission), owned by ``uid``: all tmpfs, capped and gone with the worker, so no
    worker can fill the grading machine's disk (the grader reads nothing back from there)."""
    new = plan.mountpoint
    for private in _PRIVATE:
        _mount(libc, "tmpfs", new + private, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={TMP_SIZE},mode=1777")
    # An allowed folder under /tmp (a checkout's .venv there) is bound inside the fresh tmpfs,
    # instead of being covered by it.
    _allow(libc, new, *plan.own)
    _mount(libc, "tmpfs", new + WORK, "tmpfs", _MS_NOSUID | _MS_NODEV, f"size={WORK_SIZE},mode=700,uid={uid},gid={uid}")
    for entry in os.scandir(scratch):
        if entry.is_file(follow_symlinks=False):  # the grader made them: no links, no folders
            target = os.path.join(new + WORK, entry.name)
            shutil.copyfile(entry.path, target, follow_symlinks=False)
            os.chown(target, uid, uid)


def _statvfs_flags(path: str) -> int:
    """Flags a bind remount must keep (a nodev or noexec source refuses to lose them)."""
    flags = os.statvfs(path).f_flag
    return (_MS_NODEV if flags & os.ST_NODEV else 0) | (_MS_NOEXEC if flags & os.ST_NOEXEC else 0)


def _b(text: str | None) -> bytes | None:
    return None if text is None else os.fsencode(text)


def _max_fd() -> int:
    return min(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 65536)


def _close_other_fds(keep: tuple[int, ...]) -> None:
    """No descriptor of the zygote's (a folder outside the new root, a socket) reaches student code."""
    low = 3
    for fd in sorted(set(keep)):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, _max_fd())


def worker_environment(home: str) -> dict[str, str]:
    """The whole environment of a worker: the zygote's allowlist, with its own HOME."""
    env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
    tmp = "/tmp" if _PLAN is not None else tempfile.gettempdir()
    return {**env, **ENVIRONMENT, "HOME": home, "TMPDIR": tmp, "XDG_CACHE_HOME": os.path.join(home, ".cache")}
