"""Instructor commands: ``python -m autograder release``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import stubs

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    release = commands.add_parser("release", help="regenerate assignments/ (student stubs) from solutions/")
    release.add_argument("--solutions", type=Path, default=REPO / "solutions")
    release.add_argument("--assignments", type=Path, default=REPO / "assignments")
    release.add_argument("--check", action="store_true", help="only report stale stubs; exit 1 if any")
    args = parser.parse_args(argv)

    if args.command == "release":
        if args.check:
            stale = stubs.stale_stubs(args.solutions, args.assignments)
            for name in stale:
                print(f"stale: assignments/{name} (run python -m autograder release)")
            return 1 if stale else 0
        for path in stubs.write_stubs(args.solutions, args.assignments):
            print(f"wrote {path}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
