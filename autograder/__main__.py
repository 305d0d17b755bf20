"""Instructor commands: ``python -m autograder release | grade-all | gradescope | bench``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import batch, bench, gradescope, release, stubs

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    publish = commands.add_parser(
        "release", help="regenerate assignments/ (stubs), source/ (nbgrader notebooks) and release/ from solutions/"
    )
    publish.add_argument("--solutions", type=Path, default=REPO / "solutions")
    publish.add_argument("--assignments", type=Path, default=REPO / "assignments")
    publish.add_argument("--course", type=Path, default=REPO, help="nbgrader course root (source/, release/)")
    publish.add_argument("--check", action="store_true", help="only report stale files; exit 1 if any")
    grade_all = commands.add_parser("grade-all", help="grade every student folder, notebook or zip in a folder")
    grade_all.add_argument("submissions", type=Path)
    grade_all.add_argument("--out", type=Path, default=Path("grading-out"))
    grade_all.add_argument("--jobs", type=int, default=2, help="students graded at once")
    grade_all.add_argument("--force", action="store_true", help="grade again students already graded")
    grade_all.add_argument("--timeout", type=float, default=1800, help="seconds for one student")
    grade_all.add_argument("--grade-seed", type=int, help="the same hidden inputs for everyone")
    bundle = commands.add_parser("gradescope", help="build the zip Gradescope's autograder runs")
    bundle.add_argument("--out", type=Path, default=Path("autograder.zip"))
    measure = commands.add_parser("bench", help="measure grading speed on this machine")
    measure.add_argument("--copies", type=int, default=4, help="reference submissions for the batch measurement")
    measure.add_argument("--jobs", type=int, default=2)
    measure.add_argument("--quick", action="store_true", help="round trips only")
    args = parser.parse_args(argv)

    if args.command == "grade-all":
        extra = [] if args.grade_seed is None else ["--grade-seed", str(args.grade_seed)]
        outcomes = batch.grade_all(
            args.submissions, args.out, jobs=args.jobs, force=args.force, timeout=args.timeout, extra=extra
        )
        errors = [o for o in outcomes if o.status != "ok"]
        print(f"graded {len(outcomes)} students ({len(errors)} errors): {args.out / 'grades.csv'}")
        for o in errors:
            print(f"  {o.student}: {o.status}")
        return 0
    if args.command == "bench":
        bench.main(copies=args.copies, jobs=args.jobs, quick=args.quick)
        return 0
    if args.command == "gradescope":
        print(f"wrote {gradescope.build(args.out)}")
        return 0

    if args.command == "release":
        return _release(args)
    return 2


def _release(args: argparse.Namespace) -> int:
    stale = [f"assignments/{name}" for name in stubs.stale_stubs(args.solutions, args.assignments)]
    if not args.check:
        for path in stubs.write_stubs(args.solutions, args.assignments):
            print(f"wrote {path}")
    try:
        if args.check:
            stale += release.stale_release(args.solutions, args.course / "release")
        else:
            for path in release.build(args.solutions, args.course):
                print(f"wrote {path}")
    except ImportError:
        print("nbgrader is not installed, so release/ was not built: pip install -e '.[instructor]'", file=sys.stderr)
        return 1
    if args.check:
        for name in stale:
            print(f"stale: {name} (run python -m autograder release)")
        return 1 if stale else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
