"""How strong is a suite? ``python -m autograder audit aNN_topic``: mutation testing of the reference.

Each *mutant* is the reference solution with exactly one small change inside a
``### BEGIN SOLUTION`` / ``### END SOLUTION`` region:

- an arithmetic operator swapped (``+``/``-``, ``*``/``/``, ``//``/``/``, ``**``/``*``, ``@``/``*``);
- a comparison flipped (``<``/``<=``, ``>``/``>=``, ``==``/``!=``, ``is``/``is not``, ``in``/``not in``),
  ``and``/``or`` swapped, a ``not`` or a unary minus dropped;
- an integer constant moved by one (``0`` -> ``1``, ``n`` -> ``n + 1``), a boolean negated;
- a keyword argument dropped from a call (``dim=1``, ``keepdim=True``, ``device=x.device``);
- a statement deleted (replaced by ``pass``).

Every mutant is graded by the real suite, with one seed, in warm grading processes
(:class:`autograder.harness.commands.batch.GradingPool`), exactly as a student's file is. A mutant is *killed* when it
loses any point. A *surviving* mutant is either equivalent to the reference (``x * 2`` -> ``x * 2.0``
style changes that mean the same) or a mistake no hidden test catches: the report prints each
survivor's line before and after, for the instructor to judge and, when it is a real mistake, to
add a test for (and a corpus case under ``tests/corpus/``).

The kill rate is the share of mutants killed. Mutants are listed in source order and numbered,
so ``--limit N`` grades the first N (a quick look) and results are reproducible.
"""

from __future__ import annotations

import ast
import copy
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from autograder import REPO
from autograder.harness.grading import command, results

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"

_BINOPS: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.MatMult: ast.Mult,
}
_COMPARES: dict[type, type] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}


@dataclass(frozen=True)
class Mutant:
    number: int
    line: int  # in the reference solution
    kind: str  # operator, comparison, constant, keyword, statement
    before: str  # the changed statement, as source
    after: str
    source: str  # the whole mutated module


@dataclass
class Verdict:
    mutant: Mutant
    score: float
    maximum: float
    failed: list[str]  # the tests that caught it

    @property
    def killed(self) -> bool:
        return self.score < self.maximum


def solution_lines(source: str) -> set[int]:
    """Line numbers inside the solution regions (markers excluded)."""
    lines, inside = set(), False
    for number, text in enumerate(source.splitlines(), start=1):
        if text.strip() == BEGIN:
            inside = True
        elif text.strip() == END:
            inside = False
        elif inside:
            lines.add(number)
    return lines


def mutants(source: str) -> list[Mutant]:
    """Every one-change mutant of ``source`` inside its solution regions, in source order.

    Each change is applied to a fresh copy of the module, at the same statement (by position) and
    the same node (by walk order), so the copy's source is exactly the reference plus that change.
    """
    tree = ast.parse(source)
    inside = solution_lines(source)
    found: list[Mutant] = []
    seen: set[tuple[int, str]] = set()
    for position, statement in enumerate(_statements(tree, inside)):
        before = _statement_text(statement)
        options = [("statement", None, 0)]
        options += [
            (kind, index, number)
            for index, node in enumerate(_own_nodes(statement))
            for number, (kind, _) in enumerate(_node_changes(node))
        ]
        for kind, index, number in options:
            module = copy.deepcopy(tree)
            target = _statements(module, inside)[position]
            if index is None:
                changed: ast.stmt = ast.Pass()
                _swap(module, target, changed)
            else:
                node = _own_nodes(target)[index]
                list(_node_changes(node))[number][1](node)
                changed = target
            after = _statement_text(changed)
            if after == before or (statement.lineno, after) in seen:
                continue
            seen.add((statement.lineno, after))
            mutated = ast.unparse(ast.fix_missing_locations(module)) + "\n"
            found.append(Mutant(len(found) + 1, statement.lineno, kind, before, after, mutated))
    return found


def _statements(module: ast.Module, inside: set[int]) -> list[ast.stmt]:
    found = (s for s in ast.walk(module) if isinstance(s, ast.stmt) and getattr(s, "lineno", 0) in inside)
    return sorted(found, key=lambda s: (s.lineno, s.col_offset))


def _swap(module: ast.Module, old: ast.stmt, new: ast.stmt) -> None:
    """Put ``new`` where ``old`` is in its parent's statement list."""
    for parent in ast.walk(module):
        for _field, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return


def _statement_text(statement: ast.stmt) -> str:
    """The statement's own line(s), without a nested body (an ``if`` shows its test only)."""
    shallow = copy.copy(statement)
    for field in ("body", "orelse", "finalbody", "handlers"):
        if isinstance(getattr(shallow, field, None), list) and getattr(shallow, field):
            setattr(shallow, field, [ast.Pass()])
    text = ast.unparse(shallow)
    return text.split("\n")[0].rstrip(":") if "\n" in text else text


def _own_nodes(statement: ast.stmt) -> list[ast.AST]:
    """The expression nodes of a statement, not of the statements nested in its body."""
    nested = set()
    for field in ("body", "orelse", "finalbody", "handlers"):
        for child in getattr(statement, field, None) or []:
            nested.update(id(n) for n in ast.walk(child))
    return [n for n in ast.walk(statement) if id(n) not in nested and n is not statement]


def _node_changes(node: ast.AST):
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        yield "operator", lambda n: _set(n, "op", _BINOPS[type(n.op)]())
    if isinstance(node, ast.AugAssign) and type(node.op) in _BINOPS:
        yield "operator", lambda n: _set(n, "op", _BINOPS[type(n.op)]())
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in _COMPARES:
                yield "comparison", lambda n, i=i: _set_item(n.ops, i, _COMPARES[type(n.ops[i])]())
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        # ``+x`` keeps x's value and truthiness: the ``not`` or the minus is dropped in place
        yield "comparison" if isinstance(node.op, ast.Not) else "operator", lambda n: _set(n, "op", ast.UAdd())
    if isinstance(node, ast.BoolOp):
        yield "comparison", lambda n: _set(n, "op", ast.Or() if isinstance(n.op, ast.And) else ast.And())
    if isinstance(node, ast.Constant) and type(node.value) is bool:
        yield "constant", lambda n: _set(n, "value", not n.value)
    elif isinstance(node, ast.Constant) and type(node.value) is int:
        yield "constant", lambda n: _set(n, "value", 1 if n.value == 0 else n.value + 1)
    if isinstance(node, ast.Call):
        for i in range(len(node.keywords)):
            if node.keywords[i].arg is not None:
                yield "keyword", lambda n, i=i: _set(n, "keywords", n.keywords[:i] + n.keywords[i + 1 :])
    return


def _set(node: ast.AST, field: str, value: object) -> bool:
    setattr(node, field, value)
    return True


def _set_item(items: list, index: int, value: object) -> bool:
    items[index] = value
    return True


def audit(assignment: str, *, limit: int | None = None, jobs: int = 2, seed: int = 2026) -> list[Verdict]:
    """Grade every mutant of ``assignment``'s reference with its suite; verdicts in mutant order."""
    from autograder.harness.commands.batch import GradingPool

    if assignment not in command.assignments():
        raise ValueError(f"no assignment {assignment!r}; the course has {', '.join(command.assignments())}")
    found = mutants((REPO / "solutions" / f"{assignment}.py").read_text())[:limit]
    pool = GradingPool(jobs)
    extra = [f"--grade-seed={seed}", "--call-timeout=3", "--import-timeout=30"]
    try:
        with tempfile.TemporaryDirectory(prefix="autograder-audit-") as scratch:

            def grade(mutant: Mutant) -> Verdict:
                folder = Path(scratch) / str(mutant.number)
                folder.mkdir()
                (folder / f"{assignment}.py").write_text(mutant.source)
                written = folder / "results.json"
                args = command.pytest_args(folder / f"{assignment}.py", written, *extra, assignment=assignment)
                try:
                    pool.grade(args, folder / "log", timeout=600)
                except (TimeoutError, EOFError):
                    return Verdict(mutant, 0.0, 1.0, ["(the grading process ran out of time or died)"])
                graded = results.load(written)
                failed = [t.name for t in graded.tests if not t.passed]
                return Verdict(mutant, graded.score, sum(t.possible for t in graded.tests), failed)

            with ThreadPoolExecutor(max_workers=max(1, jobs)) as threads:
                return list(threads.map(grade, found))
    finally:
        pool.close()


def report(assignment: str, verdicts: list[Verdict], seconds: float) -> str:
    killed = sum(v.killed for v in verdicts)
    rate = 100 * killed / len(verdicts) if verdicts else 100.0
    lines = [f"{assignment}: {killed} of {len(verdicts)} mutants killed ({rate:.0f}%) in {seconds:.0f} s"]
    by_kind: dict[str, list[int]] = {}
    for v in verdicts:
        by_kind.setdefault(v.mutant.kind, [0, 0])
        by_kind[v.mutant.kind][0] += v.killed
        by_kind[v.mutant.kind][1] += 1
    lines.append("  by kind: " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(by_kind.items())))
    survivors = [v for v in verdicts if not v.killed]
    if survivors:
        lines.append("surviving mutants (equivalent, or a mistake no hidden test catches):")
    for v in survivors:
        m = v.mutant
        lines += [f"  #{m.number} line {m.line} ({m.kind}):", f"    - {m.before}", f"    + {m.after}"]
    return "\n".join(lines)


def main(assignments: list[str], *, limit: int | None, jobs: int, seed: int) -> int:
    for assignment in assignments:
        start = time.perf_counter()
        verdicts = audit(assignment, limit=limit, jobs=jobs, seed=seed)
        print(report(assignment, verdicts, time.perf_counter() - start), flush=True)
    return 0
