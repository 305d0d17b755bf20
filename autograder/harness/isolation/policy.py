"""What a submission may not contain: the routes from student code into the grader's own objects.

A worker is a Python process, and Python lets any code in it reach every object in it: walking the
stack (``sys._getframe().f_back.f_globals``), the garbage collector (``gc.get_objects()``), raw
memory (``ctypes``, native code compiled on the fly) or the worker's own descriptors (``os.write``
on its socket). Through them, a submission could rewrite what the worker measures for the grader
(op counts, the timed calls, facts about a model) -- nothing that the sandbox around the process can
stop, since it is the same process. No course exercise needs any of them.

So before a worker runs a single line of a submission, it reads the source (every code cell of a
notebook) with :func:`violations`, which lists each use of such a route with its line. A
submission that uses one is not run at all: its assignment earns nothing, and the feedback names
the line and the construct. The check is static and deliberately narrow -- everyday code
(``super().__init__()``, ``self.__class__.__name__``, ``getattr(nn, name)``, ``os.path.join``,
``gc.collect()``, ``print(..., file=sys.stderr)``) passes -- so an honest student never meets it.
It cannot see through obfuscation (a name assembled at run time); code that obfuscates its way
into the grader's internals is cheating in plain sight in its own source, which the course staff
can read (the README says so).
"""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass

# Modules a submission may import (and their submodules, unless a part of the path is private,
# i.e. starts with "_"). Everything a course exercise needs, and nothing that reaches the process.
ALLOWED_MODULES = frozenset(
    {
        "__future__",
        "abc",
        "bisect",
        "cmath",
        "collections",
        "contextlib",
        "csv",
        "copy",
        "dataclasses",
        "datetime",
        "decimal",
        "enum",
        "errno",
        "fractions",
        "functools",
        "gc",
        "glob",
        "heapq",
        "IPython",
        "io",
        "itertools",
        "json",
        "logging",
        "math",
        "matplotlib",
        "numbers",
        "numpy",
        "operator",
        "os",
        "pathlib",
        "pprint",
        "random",
        "re",
        "statistics",
        "string",
        "sys",
        "argparse",
        "textwrap",
        "time",
        "tokenizers",
        "torch",
        "tqdm",
        "transformers",
        "typing",
        "typing_extensions",
        "unicodedata",
        "warnings",
    }
)
# Submodules that compile or load native code, or unpickle arbitrary objects.
FORBIDDEN_SUBMODULES = ("torch.utils.cpp_extension", "torch.package", "torch.hub", "numpy.ctypeslib", "numpy.f2py")
# For these modules, only these attributes (the rest reach the process: frames, descriptors, ...).
MODULE_ATTRIBUTES = {
    "sys": {
        "float_info",
        "maxsize",
        "stdout",
        "stderr",
        "version",
        "version_info",
        "platform",
        "getsizeof",
        "exit",
        "getrecursionlimit",
        "setrecursionlimit",
        "path",
        "argv",
    },
    "os": {"path", "sep", "linesep", "getcwd", "listdir", "makedirs", "mkdir", "environ", "getenv", "cpu_count"}
    | {"_exit", "remove", "rename", "replace", "scandir", "walk", "stat", "fspath", "PathLike", "getpid", "strerror"},
    "operator": {"itemgetter", "add", "mul", "sub", "truediv", "neg", "eq", "lt", "le", "gt", "ge", "and_", "or_"},
    "gc": {"collect", "enable", "disable", "isenabled"},
    "io": {"StringIO", "BytesIO"},
}
# Built-in names that run or reach code by name.
FORBIDDEN_NAMES = frozenset({"eval", "exec", "compile", "__import__", "breakpoint", "__builtins__", "memoryview"})
# Attributes that reach frames, code, closures, globals or every class of the process.
FORBIDDEN_ATTRIBUTES = frozenset(
    {
        "f_back",
        "f_globals",
        "f_locals",
        "f_builtins",
        "f_code",
        "tb_frame",
        "tb_next",
        "gi_frame",
        "gi_code",
        "cr_frame",
        "cr_code",
        "ag_frame",
        "load_inline",
        "load_library",
        "cpp_extension",
        "ctypeslib",
        "stride_tricks",  # numpy's as_strided reads and writes any address
        "get_objects",
        "get_referrers",
        "get_referents",
    }
)
# Names that, defined in a class, hand numpy or torch a raw pointer or take over dispatch.
FORBIDDEN_DEFINITIONS = frozenset(
    {
        "__array_interface__",
        "__array_struct__",
        "__cuda_array_interface__",
        "__dlpack__",
        "__reduce__",
        "__reduce_ex__",
        "__class_getitem__",
        "__init_subclass__",
        "__set_name__",
        "__getattribute__",
    }
)
# Private names of public modules that everyday code borrows from PyTorch's own layers.
ALLOWED_PRIVATE = frozenset({"_calculate_fan_in_and_fan_out", "_calculate_correct_fan", "_exit"})
# Dunder attributes that reach code, globals, closures or every class of the process.
FORBIDDEN_DUNDERS = (
    frozenset(
        {
            "__globals__",
            "__closure__",
            "__code__",
            "__builtins__",
            "__subclasses__",
            "__bases__",
            "__base__",
            "__mro__",
            "__self__",
            "__func__",
            "__traceback__",
            "__frame__",
            "__defaults__",
            "__kwdefaults__",
            "__wrapped__",
            "__loader__",
            "__spec__",
            "__import__",
            "__getattribute__",
            "__reduce__",
            "__reduce_ex__",
            "__array_interface__",
            "__array_struct__",
            "__cuda_array_interface__",
        }
    )
    | FORBIDDEN_DEFINITIONS
)
# Dunder attributes everyday code uses; any other ``__x__`` attribute is refused.
ALLOWED_DUNDERS = frozenset(
    {
        "__init__",
        "__call__",
        "__class__",
        "__name__",
        "__qualname__",
        "__doc__",
        "__module__",
        "__version__",
        "__len__",
        "__getitem__",
        "__setitem__",
        "__iter__",
        "__next__",
        "__contains__",
        "__repr__",
        "__str__",
        "__enter__",
        "__exit__",
        "__eq__",
        "__hash__",
        "__add__",
        "__mul__",
        "__array__",
        "__annotations__",
        "__main__",
    }
)
_DUNDER = re.compile(r"^__\w+__$")
_HARMLESS_MODULE_DUNDERS = frozenset({"__version__", "__name__", "__doc__", "__file__", "__all__"})
# Modules that, reached as an attribute of an allowed one, would get past the import check.
_FORBIDDEN_MODULE_NAMES = frozenset(
    {
        "threading",
        "_thread",
        "multiprocessing",
        "subprocess",
        "ctypes",
        "inspect",
        "importlib",
        "builtins",
        "socket",
        "signal",
        "pickle",
        "marshal",
        "types",
        "weakref",
        "traceback",
        "concurrent",
        "asyncio",
        "mmap",
        "posix",
        "shutil",
    }
)
_FRAME_WORDS = re.compile(r"\b(f_back|f_globals|f_locals|tb_frame|gi_frame|cr_frame|_getframe|__globals__)\b")


INTERNALS = "reaches into the process running it"
OTHER_MODULE = "is not among the modules submissions may use"


@dataclass(frozen=True)
class Violation:
    where: str  # "" for a .py file, the cell's name for a notebook
    line: int
    what: str  # the construct, as the student wrote it
    why: str = INTERNALS

    def __str__(self) -> str:
        return f"{self.where + ', ' if self.where else ''}line {self.line}: {self.what} ({self.why})"


def violations(sources: list[tuple[str, str]]) -> list[Violation]:
    """Each use of a route into the grader's process in ``sources``: ``(where, code)`` pairs, one
    for a ``.py`` file (``where`` empty) or one per notebook code cell (``where`` names the cell),
    read as one program (a module imported in one cell is known in the next). A cell that does not
    parse is skipped here: running it reports the SyntaxError as usual."""
    trees = []
    for where, code in sources:
        try:
            trees.append((where, ast.parse(code)))
        except (SyntaxError, ValueError):
            continue  # it cannot run either: its import (or cell) reports the error as usual
        except (RecursionError, MemoryError):
            return [Violation(where, 0, "code nested too deeply to be checked")]
    found: list[Violation] = []
    modules: dict[str, str] = {}  # local name -> module it stands for (import numpy as np: np -> numpy)
    for where, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                _check_import(node, where, modules, found)
    for where, tree in trees:
        for node in ast.walk(tree):
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
                found.append(Violation(where, line, node.id))
            elif isinstance(node, ast.Attribute):
                _check_attribute(node, where, modules, found)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _names_an_internal(node.value):
                found.append(Violation(where, line, f"the string {node.value[:40]!r}"))
            elif isinstance(node, ast.Call) and _opens_a_descriptor(node):
                found.append(Violation(where, line, "open() of a file descriptor number"))
            elif isinstance(node, ast.Call) and _reads_a_namespace(node, modules):
                found.append(Violation(where, line, "vars() of a module or of the current scope"))
            elif isinstance(node, ast.Call) and _is_name_lookup(node):
                name = node.args[1].value  # type: ignore[attr-defined]
                _check_name_on(node.args[0], name, line, where, modules, found)
            elif isinstance(node, ast.Call) and _looks_up_a_computed_name_on_a_guarded_module(node, modules):
                found.append(Violation(where, line, f"{node.func.id}() of a computed name on a module"))  # type: ignore[attr-defined]
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                if node.name in FORBIDDEN_DEFINITIONS:
                    found.append(Violation(where, line, f"def {node.name}"))
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id in FORBIDDEN_DEFINITIONS:
                found.append(Violation(where, line, f"{node.id} ="))
    unique = {(v.where, v.line, v.what): v for v in found}
    return list(unique.values())


def _check_import(node: ast.Import | ast.ImportFrom, where: str, modules: dict[str, str], found: list) -> None:
    if isinstance(node, ast.Import):
        for alias in node.names:
            _check_module(alias.name, where, node.lineno, found)
            local = alias.asname or alias.name.split(".")[0]
            modules[local] = alias.name if alias.asname else alias.name.split(".")[0]
        return
    if node.level:
        found.append(Violation(where, node.lineno, "a relative import"))
        return
    module = node.module or ""
    _check_module(module, where, node.lineno, found)
    for alias in node.names:
        full = f"{module}.{alias.name}"
        refused = alias.name.startswith("_") or full in FORBIDDEN_SUBMODULES or alias.name in FORBIDDEN_ATTRIBUTES
        if refused or (module in MODULE_ATTRIBUTES and alias.name not in MODULE_ATTRIBUTES[module]):
            found.append(Violation(where, node.lineno, f"from {module} import {alias.name}"))
        else:
            modules[alias.asname or alias.name] = full


def _names_an_internal(text: str) -> bool:
    """A string that spells a forbidden attribute (for getattr and friends). The plain built-in names
    (``"eval"``, ``"compile"``) are words a course uses for other things (``"train" if
    model.training else "eval"``); reaching the built-ins by one would need a handle on them, which
    the dunder names here and the module rules refuse."""
    if text in FORBIDDEN_ATTRIBUTES or text in FORBIDDEN_DUNDERS or (text in FORBIDDEN_NAMES and _DUNDER.match(text)):
        return True
    return bool(_FRAME_WORDS.search(text))


def _check_module(name: str, where: str, line: int, found: list[Violation]) -> None:
    parts = name.split(".")
    if parts[0] not in ALLOWED_MODULES:
        if importlib.util.find_spec(parts[0]) is not None:  # one that does not exist fails as usual
            found.append(Violation(where, line, f"import {name}", OTHER_MODULE))
    elif any(p.startswith("_") and p != "__future__" for p in parts):
        found.append(Violation(where, line, f"import {name}"))
    elif any(name == m or name.startswith(m + ".") for m in FORBIDDEN_SUBMODULES):
        found.append(Violation(where, line, f"import {name}"))


def _check_attribute(node: ast.Attribute, where: str, modules: dict[str, str], found: list[Violation]) -> None:
    _check_name_on(node.value, node.attr, node.lineno, where, modules, found)


def _check_name_on(
    target: ast.expr, name: str, line: int, where: str, modules: dict[str, str], found: list[Violation]
) -> None:
    """``target.name``, written as an attribute or as ``getattr(target, "name")``."""
    if name in FORBIDDEN_ATTRIBUTES or name in FORBIDDEN_DUNDERS:
        found.append(Violation(where, line, f".{name}"))
        return
    root = _module_path(target, modules)
    if root is None:
        return
    if root in MODULE_ATTRIBUTES:
        if name not in MODULE_ATTRIBUTES[root]:
            found.append(Violation(where, line, f"{root}.{name}"))
    elif name.startswith("_") and name not in ALLOWED_PRIVATE and name not in _HARMLESS_MODULE_DUNDERS:
        found.append(Violation(where, line, f"{root}.{name}"))
    elif f"{root}.{name}" in FORBIDDEN_SUBMODULES or name in _FORBIDDEN_MODULE_NAMES:
        found.append(Violation(where, line, f"{root}.{name}"))


def _module_path(node: ast.expr, modules: dict[str, str]) -> str | None:
    """``torch.utils`` for the expression ``torch.utils`` when ``torch`` is an imported module. A
    module re-exported by another (``typing.sys``, ``torch.utils.data.dataloader.threading``)
    stands for itself, so its own rules apply."""
    if isinstance(node, ast.Name):
        return modules.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _module_path(node.value, modules)
        if base is None:
            return None
        if node.attr in MODULE_ATTRIBUTES or node.attr in _FORBIDDEN_MODULE_NAMES:
            return node.attr
        return f"{base}.{node.attr}"
    return None


_LOOKUPS = ("getattr", "hasattr", "setattr", "delattr")


def _reads_a_namespace(node: ast.Call, modules: dict[str, str]) -> bool:
    """``vars()`` (the caller's locals) or ``vars(module)`` (its globals); ``vars(self)`` is fine."""
    if not (isinstance(node.func, ast.Name) and node.func.id == "vars"):
        return False
    return not node.args or _module_path(node.args[0], modules) is not None


def _is_name_lookup(node: ast.Call) -> bool:
    """``getattr(x, "name")`` and friends, with the name spelled out."""
    return (
        isinstance(node.func, ast.Name)
        and node.func.id in _LOOKUPS
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    )


def _looks_up_a_computed_name_on_a_guarded_module(node: ast.Call, modules: dict[str, str]) -> bool:
    """``getattr(sys, name)``: on a module whose attributes are listed, a computed name could be any."""
    if not (isinstance(node.func, ast.Name) and node.func.id in _LOOKUPS and len(node.args) >= 2):
        return False
    root = _module_path(node.args[0], modules)
    return (
        root is not None
        and (root in MODULE_ATTRIBUTES or root == "torch")
        and not isinstance(node.args[1], ast.Constant)
    )


def _opens_a_descriptor(node: ast.Call) -> bool:
    """``open(3, "wb")``: a worker's descriptors are the grader's channel, not files."""
    if not (isinstance(node.func, ast.Name) and node.func.id == "open" and node.args):
        return False
    first = node.args[0]
    return isinstance(first, ast.Constant) and isinstance(first.value, int)


def describe(found: list[Violation], file_name: str) -> str:
    """The feedback for a submission that is not run."""
    listed = "\n".join(f"  - {v}" for v in sorted(found, key=lambda v: (v.where, v.line, v.what))[:10])
    more = f"\n  - ... and {len(found) - 10} more" if len(found) > 10 else ""
    allowed = ", ".join(sorted(m for m in ALLOWED_MODULES if not m.startswith("_")))
    return (
        f"{file_name} was not run, so this assignment earns no points: it uses what submissions may not use "
        f"here (ways into the process that grades it: frames, the garbage collector, raw memory or "
        f"descriptors, private modules, eval/exec; or modules outside this course's list):\n{listed}{more}\n"
        f"No exercise needs these. Submissions may import: {allowed}. Remove them and submit again."
    )
