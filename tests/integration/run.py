#!/usr/bin/env python3
"""Runs airsql's black-box integration tests against a real airsql-server binary.

    python3 tests/integration/run.py --server build/server/airsql-server [-k PATTERN] [-v]
                                     [module ...]

Discovers every test_*.py module beside this file (or only the named ones) and exits non-zero
when a test fails or errors. Python 3.11 standard library only.
"""

import argparse
import os
import sys
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # keep the source tree clean


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", help="path to airsql-server (default: $AIRSQL_SERVER or "
                        "build/server/airsql-server)")
    parser.add_argument("-k", dest="patterns", action="append", default=[],
                        help="only tests whose name contains this substring (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("-q", "--quiet", action="store_true")
    parser.add_argument("-f", "--failfast", action="store_true")
    parser.add_argument("modules", nargs="*", help="module names, e.g. test_walkthrough")
    args = parser.parse_args()

    if args.server:
        server = os.path.abspath(args.server)
        if not os.access(server, os.X_OK):
            print(f"run.py: {server} is not an executable file", file=sys.stderr)
            return 2
        os.environ["AIRSQL_SERVER"] = server
    sys.path.insert(0, str(HERE))

    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = [f"*{p}*" for p in args.patterns]
    if args.modules:
        suite = unittest.TestSuite(
            loader.loadTestsFromName(m[:-3] if m.endswith(".py") else m) for m in args.modules)
    else:
        suite = loader.discover(str(HERE), pattern="test_*.py", top_level_dir=str(HERE))

    verbosity = 2 if args.verbose else 0 if args.quiet else 1
    started = time.monotonic()
    result = unittest.TextTestRunner(verbosity=verbosity, failfast=args.failfast,
                                     stream=sys.stderr).run(suite)
    print(f"integration tests: {result.testsRun} run, {len(result.failures)} failed, "
          f"{len(result.errors)} errors, {len(result.skipped)} skipped in "
          f"{time.monotonic() - started:.1f}s", file=sys.stderr)
    if result.testsRun == 0:
        return 1
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
