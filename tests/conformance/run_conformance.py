#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Runs the shared black-box suites against a fresh airsql-server (port 0, temporary data dir):

1. graphql_conformance.py --access: introspection lists may hold more than AirGQL's (decision
   D12; introspection shows the full schema by default, D13). Every case must pass.
2. The same suite with --exact, which asks for AirGQL's own view (X-Airsql-Schema: airgql):
   introspection lists must equal AirGQL's. Every case must pass.
3. graphql-js's buildClientSchema on the three views (airgql, full, current), and graphql_http_audit.mjs against a database
   of a fresh user: every MUST audit must pass.

Usage: run_conformance.py --server PATH [--shared DIR] [--node-modules DIR]
The shared folder defaults to $AIRSQL_SHARED_DIR, else ../shared beside the repository.
"""
import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
def find_shared(given):
    for d in (given, os.environ.get("AIRSQL_SHARED_DIR"), os.path.join(REPO, "..", "shared")):
        if d and os.path.isfile(os.path.join(d, "conformance", "graphql_conformance.py")):
            return os.path.abspath(d)
    sys.exit("cannot find the shared conformance suites (set AIRSQL_SHARED_DIR)")


@contextlib.contextmanager
def server(binary):
    with tempfile.TemporaryDirectory() as data:
        proc = subprocess.Popen([binary, "--port", "0", "--data-dir", data, "--no-access-log"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = proc.stdout.readline().strip()
            if not line.startswith("listening on "):
                sys.exit(f"server did not start: {line!r}")
            yield line.split(" ", 2)[2]
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def post(url, body, token=None):
    req = urllib.request.Request(url, json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": "Bearer " + token} if token else {})})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--shared")
    ap.add_argument("--node-modules", default=os.path.join(REPO, "tools", "node", "node_modules"))
    args = ap.parse_args()
    shared = find_shared(args.shared)
    suite = os.path.join(shared, "conformance", "graphql_conformance.py")
    ok = True
    with server(args.server) as base:
        # 1. and 2. The suite, additions allowed and then AirGQL's exact view.
        for flags in (["--access"], ["--access", "--exact"]):
            out = subprocess.run([sys.executable, suite, "--base", base, *flags],
                                 capture_output=True, text=True)
            summary = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "(no output)"
            print(f"graphql_conformance.py {' '.join(flags)}: {summary}")
            for line in out.stdout.splitlines():
                if line.startswith("FAIL"):
                    print("  " + line)
            ok = ok and out.returncode == 0

        # 3. The GraphQL-over-HTTP audit, with a full-access session.
        user = "audit" + os.urandom(4).hex()
        post(base + "/api/users", {"username": user, "email_address": user + "@example.com",
                                   "password": "audit-password-1"})
        token = post(base + "/api/login", {"username": user, "password": "audit-password-1"})["sessionToken"]
        db = post(base + "/api/dbs", {"name": "audit", "team": user,
                                      "query": "CREATE TABLE t (x INTEGER)"}, token)["id"]
        # graphql-js must build a valid client schema from each introspection view, on a
        # database with relationships, views, file columns and select options.
        rich = post(base + "/api/dbs", {"name": "rich", "team": user, "query":
            "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT NOT NULL, born INTEGER);"
            "CREATE TABLE \"book list\" (title TEXT NOT NULL, author_id INTEGER REFERENCES artists(id),"
            " price REAL, in_stock BOOLEAN NOT NULL DEFAULT 1, cover BLOB,"
            " genre TEXT CHECK (genre IN ('novel', 'poetry')));"
            "CREATE VIEW cheap AS SELECT title, price * 0.9 AS discounted FROM \"book list\";"}, token)["id"]
        client = subprocess.run(["node", os.path.join(HERE, "build_client_schema.mjs"),
                                 f"{base}/dbs/{rich}/graphql", token, args.node_modules],
                                capture_output=True, text=True)
        print(client.stdout.strip() or client.stderr.strip())
        ok = ok and client.returncode == 0
        audit = subprocess.run(["node", os.path.join(shared, "conformance", "graphql_http_audit.mjs"),
                                f"{base}/dbs/{db}/graphql", "--header", "Authorization: Bearer " + token,
                                "--modules", args.node_modules], capture_output=True, text=True)
        lines = audit.stdout.strip().splitlines()
        for line in lines:
            if line.startswith(("MUST ", "SHOULD ")) and " ok " not in line:
                print("  audit: " + line.strip())
        print(f"graphql_http_audit.mjs: {lines[-2] if len(lines) > 1 else audit.stderr.strip()}")
        print(f"graphql_http_audit.mjs MUST audits: {lines[-1] if lines else '(no output)'}")
        ok = ok and audit.returncode == 0
    print("conformance OK" if ok else "conformance FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
