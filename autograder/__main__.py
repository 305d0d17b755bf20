"""Course commands: ``python -m autograder check`` (students) and ``release | grade-all | gradescope |
new | audit | bench`` (course staff).

Each command imports what it needs only once chosen, so ``--help`` answers without loading torch.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import REPO

VISIBILITY = ("visible", "after_due_date", "after_published", "hidden")


class _Help(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows each option's default, and keeps the description's line breaks."""


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m autograder", description=__doc__, formatter_class=_Help)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=summary, description=summary, formatter_class=_Help)

    check = command("check", "students: check your functions before submitting (examples, device, vectorised)")
    check.add_argument("target", nargs="?", type=Path, default=Path("."), help="an assignment file, or a folder")
    check.add_argument("--function", help="check only this function (or class)")

    publish = command(
        "release", "regenerate assignments/ (stubs), source/ (nbgrader notebooks) and release/ from solutions/"
    )
    publish.add_argument("--solutions", type=Path, default=REPO / "solutions", help="reference solutions to publish")
    publish.add_argument("--assignments", type=Path, default=REPO / "assignments", help="where the .py stubs go")
    publish.add_argument("--course", type=Path, default=REPO, help="nbgrader course root (source/, release/)")
    publish.add_argument("--check", action="store_true", help="only report stale files; exit 1 if any")

    grade_all = command("grade-all", "grade every student folder, notebook, .py or zip in a folder")
    grade_all.add_argument("submissions", type=Path, help="folder with one entry per student")
    grade_all.add_argument("--out", type=Path, default=Path("grading-out"), help="where grades and feedback go")
    grade_all.add_argument("--jobs", type=int, default=2, help="students graded at once on this machine")
    grade_all.add_argument(
        "--force",
        nargs="*",
        metavar="STUDENT",
        help="grade again the named students (no name: everyone) even if their files did not change",
    )
    grade_all.add_argument("--assignment", help="grade single .py/.ipynb students as this assignment (aNN_topic)")
    grade_all.add_argument("--scheduler", help="a dask.distributed scheduler address (tcp://host:8786) to grade on")
    grade_all.add_argument("--timeout", type=float, default=1800, help="seconds for one student's whole grading")
    grade_all.add_argument("--grade-seed", type=int, help="the same hidden inputs for everyone (default: random)")
    grade_all.add_argument("--call-timeout", type=float, default=10.0, help="seconds one call to student code may take")
    grade_all.add_argument("--import-timeout", type=float, default=30.0, help="seconds importing a submission may take")
    grade_all.add_argument("--worker-memory-mb", type=float, default=4096, help="memory a worker may map beyond torch")

    bundle = command("gradescope", "build the zip Gradescope's autograder runs (one assignment, or the course)")
    bundle.add_argument("--assignment", help="grade only this assignment (aNN_topic); default: the whole course")
    bundle.add_argument("--out", type=Path, default=Path("autograder.zip"), help="the zip to write")
    bundle.add_argument("--visibility", choices=VISIBILITY, default="visible", help="when students see each test")
    bundle.add_argument(
        "--allow-unsandboxed",
        action="store_true",
        help="grade even where the container refuses the sandbox (default: an error result naming the missing layer)",
    )

    scaffold = command("new", "start an assignment: its solution, hidden suite and corpus, as a working example")
    scaffold.add_argument("assignment", help="aNN_topic, e.g. a10_attention")
    scaffold.add_argument(
        "--function", action="append", dest="functions", metavar="NAME", help="a graded function (repeat)"
    )

    mutate = command("audit", "mutation testing: how many one-change mutants of the reference each suite catches")
    mutate.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="aNN_topic (default: every one)")
    mutate.add_argument("--limit", type=int, help="grade only the first N mutants of each (in source order)")
    mutate.add_argument("--jobs", type=int, default=2, help="mutants graded at once")
    mutate.add_argument("--grade-seed", type=int, default=2026, help="the hidden inputs every mutant gets")

    measure = command("bench", "measure grading speed on this machine")
    measure.add_argument("--copies", type=int, default=8, help="reference submissions for the batch measurement")
    measure.add_argument("--jobs", type=int, default=2, help="grading processes for the batch measurement")
    measure.add_argument("--quick", action="store_true", help="round trips only")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _run(args)
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("autograder."):
            raise
        print(f"{args.command}: not part of the student package (it has only 'check')", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.command == "check":
        from autograder.harness.preflight import check

        return check.run(args.target, args.function)
    if args.command == "grade-all":
        return _grade_all(args)
    if args.command == "bench":
        from autograder.harness.commands import bench

        bench.main(copies=args.copies, jobs=args.jobs, quick=args.quick)
        return 0
    if args.command == "gradescope":
        return _gradescope(args)
    if args.command == "release":
        return _release(args)
    if args.command == "new":
        from autograder.harness.commands import scaffold

        try:
            written = scaffold.new(args.assignment, args.functions)
        except (ValueError, FileExistsError) as exc:
            print(f"new: {exc}", file=sys.stderr)
            return 2
        for path in written:
            print(f"wrote {path.relative_to(REPO)}")
        print("next: edit them (docs/authoring.md), then python -m autograder release")
        return 0
    if args.command == "audit":
        from autograder.harness.commands import audit
        from autograder.harness.grading import command as commands

        try:
            return audit.main(
                args.assignments or commands.assignments(), limit=args.limit, jobs=args.jobs, seed=args.grade_seed
            )
        except ValueError as exc:
            print(f"audit: {exc}", file=sys.stderr)
            return 2
    return 2


def _grade_all(args: argparse.Namespace) -> int:
    from autograder.harness.commands import batch

    extra = [
        f"--call-timeout={args.call_timeout:g}",
        f"--import-timeout={args.import_timeout:g}",
        f"--worker-memory-mb={args.worker_memory_mb:g}",
    ]
    if args.grade_seed is not None:
        extra.append(f"--grade-seed={args.grade_seed}")
    force = True if args.force == [] else (args.force or False)
    try:
        outcomes = batch.grade_all(
            args.submissions,
            args.out,
            jobs=args.jobs,
            force=force,
            timeout=args.timeout,
            extra=extra,
            assignment=args.assignment,
            scheduler=args.scheduler,
        )
    except (OSError, ValueError) as exc:
        print(f"grade-all: {exc}", file=sys.stderr)
        return 2
    print(batch.summary(outcomes))
    print(f"grades: {args.out / 'grades.csv'}")
    return 0


def _gradescope(args: argparse.Namespace) -> int:
    from autograder.harness.commands import gradescope

    try:
        out = gradescope.build(
            args.out,
            assignment=args.assignment,
            visibility=args.visibility,
            require_sandbox=not args.allow_unsandboxed,
        )
    except ValueError as exc:
        print(f"gradescope: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}")
    return 0


def _release(args: argparse.Namespace) -> int:
    from autograder.harness.notebooks import release

    return release.run(args.solutions, args.assignments, args.course, check=args.check)


if __name__ == "__main__":
    sys.exit(main())
