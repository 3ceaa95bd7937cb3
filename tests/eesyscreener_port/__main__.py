"""``python -m eesyscreener_port FOLDER ...``: screen every data file of a return or merged dataset."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .returns import ENGLAND_LOOKUP_CHECKS, screen_package
from .screener import FAIL, PASS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eesyscreener_port", description=__doc__)
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--scotland", action="store_true", help="leave out checks against England's lookups")
    parser.add_argument("--all", action="store_true", help="show passing checks too")
    args = parser.parse_args(argv)
    failed = False
    for folder in args.folders:
        skip = ENGLAND_LOOKUP_CHECKS if args.scotland else ()
        for name, result in screen_package(folder, skip=skip).items():
            verdict = "passed" if result.passed else f"FAILED at {result.overall_stage}"
            api = ", suitable for the API" if result.api_suitable else ""
            print(f"{folder / name}: {verdict}{api}")
            for r in result.results:
                if args.all or r.result != PASS:
                    print(f"  {r.result:8} {r.check}: {r.message}")
            failed = failed or any(r.result == FAIL for r in result.results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
