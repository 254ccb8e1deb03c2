#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs the README's curl walkthrough, exactly as written, against a fresh airsql-server.

Usage: run_walkthrough.py --server PATH --readme PATH
The block fenced as ```sh walkthrough is executed with bash (B set to the server's URL); the
script fails unless every step succeeded and the SQL step returned the rows the README shows.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--readme", required=True)
    args = ap.parse_args()
    text = open(args.readme, encoding="utf-8").read()
    m = re.search(r"```sh walkthrough\n(.*?)```", text, re.S)
    if not m:
        print("README has no ```sh walkthrough block")
        return 1
    script = m.group(1)
    # The embedding example in the README is the code of examples/embedded_sql, verbatim.
    cpp = re.search(r"```cpp\n(.*?)```", text, re.S)
    example = open(os.path.join(os.path.dirname(os.path.abspath(args.readme)), "examples", "embedded_sql",
                                "main.cpp"), encoding="utf-8").read()
    if not cpp or cpp.group(1).strip() not in example:
        print("the README's C++ example differs from examples/embedded_sql/main.cpp")
        return 1
    with tempfile.TemporaryDirectory() as data:
        srv = subprocess.Popen([args.server, "--port", "0", "--data-dir", data],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            first = srv.stdout.readline().strip()
            url = first.rsplit(" ", 1)[-1]
            if not url.startswith("http://"):
                print(f"unexpected first line: {first!r}")
                return 1
            out = subprocess.run(["bash", "-euo", "pipefail", "-c", script],
                                 env=dict(os.environ, B=url), capture_output=True, text=True,
                                 timeout=60)
            print(out.stdout)
            print(out.stderr, file=sys.stderr)
            if out.returncode != 0:
                print(f"walkthrough failed with exit status {out.returncode}")
                return 1
            expected = ['"rows":[{"id":1,"body":"hello"},{"id":2,"body":"world"}]',
                        '{"data":{"notes":[{"id":1,"body":"hello"}]}}',
                        '"numChanges":2', '"numberOfDatabases":1', '"name":"Notes"',
                        'hello\nworld', '"ownerName":"ada"', 'hello, file\n']
            missing = [e for e in expected if e not in out.stdout]
            if missing:
                print(f"walkthrough output lacks {missing}")
                return 1
            print("README walkthrough OK")
            return 0
        finally:
            srv.send_signal(signal.SIGTERM)
            try:
                srv.wait(timeout=10)
            except subprocess.TimeoutExpired:
                srv.kill()


if __name__ == "__main__":
    sys.exit(main())
