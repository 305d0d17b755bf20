"""What each corpus mistake costs: ``python tests/corpus_costs.py OUT.json [FILTER]``.

Grades every ``tests/corpus`` case (as tests/test_corpus.py does, same seed) and writes, per case,
the points it lost by test kind and by test. Used to report "points each corpus mistake costs,
before vs after" when a change to the suites moves points between kinds; compare two files with
``python tests/corpus_costs.py --compare BEFORE.json AFTER.json``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from conftest import grade, with_override

CORPUS = Path(__file__).parent / "corpus"
SEED = "2026"


def costs(filter_text: str = "") -> dict[str, dict]:
    table = {}
    for case in sorted(CORPUS.glob("a[0-9][0-9]_*/*.py")):
        name = f"{case.parent.name}/{case.stem}"
        if filter_text not in name:
            continue
        with tempfile.TemporaryDirectory() as folder:
            submission = with_override(Path(folder), case.parent.name, case.read_text())
            graded = grade(submission, Path(folder) / "results.json", "--grade-seed", SEED)
        by_kind: dict[str, float] = {}
        tests = {}
        for test in graded.results["tests"]:
            lost = test["max_score"] - test["score"]
            if lost:
                kind = test["tags"][2]
                by_kind[kind] = by_kind.get(kind, 0) + lost
                tests[test["name"]] = lost
        table[name] = {"lost": sum(by_kind.values()), "by_kind": by_kind, "tests": tests}
    return table


def compare(before: dict, after: dict) -> str:
    lines = [f"{'case':70} {'before':>24} {'after':>24}"]
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name, {}), after.get(name, {})
        if b.get("by_kind") != a.get("by_kind"):
            lines.append(f"{name:70} {_kinds(b):>24} {_kinds(a):>24}")
    return "\n".join(lines)


def _kinds(row: dict) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in sorted(row.get("by_kind", {}).items())) or "-"


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        print(compare(json.loads(Path(sys.argv[2]).read_text()), json.loads(Path(sys.argv[3]).read_text())))
    else:
        out = Path(sys.argv[1])
        out.write_text(json.dumps(costs(sys.argv[2] if len(sys.argv) > 2 else ""), indent=1))
