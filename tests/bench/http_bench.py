#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""HTTP benchmark: airsql-server against a bare Boost.Beast endpoint in the same run.

Starts both servers, loads a small table, and runs wrk (-t1 -c16) on, in interleaved order:
  floor        GET of the bare Beast server's constant JSON (the HTTP ceiling on this machine)
  sql          POST /dbs/<id>/sql  SELECT of 20 rows, through the SQL endpoint
  graphql      POST /dbs/<id>/graphql  the same 20 rows (response cache on: the default)
  graphql-raw  the same, on a second server started with --graphql-cache-bytes 0
Prints req/s, latency and the server's CPU time per request (user + system, from /proc: on a
machine shared with other work this moves much less than req/s) per run, then medians and
each one's ratio to the floor.

With --baseline-server PATH (e.g. the previous build), the two GraphQL cells also run against
that binary, interleaved in the same runs, and their ratios (this server / baseline) are printed.

Usage: http_bench.py --server PATH --bare PATH [--baseline-server PATH] [--runs 3] [--duration 5]
"""
import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import urllib.request


def start(cmd):
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if "listening on " not in line:
        sys.exit(f"{cmd[0]} did not start: {line!r}")
    return proc, line.split("listening on ", 1)[1]


def post(url, body, token=None):
    req = urllib.request.Request(url, json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": "Bearer " + token} if token else {})})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def prepare(base):
    user = "bench" + os.urandom(4).hex()
    post(base + "/api/users", {"username": user, "email_address": user + "@example.com",
                               "password": "bench-password"})
    token = post(base + "/api/login", {"username": user, "password": "bench-password"})["sessionToken"]
    db = post(base + "/api/dbs", {"name": "bench", "team": user, "query":
        "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
        "INSERT INTO artists SELECT i, 'Artist ' || i FROM n;"}, token)["id"]
    return token, db


def lua(path, body, token):
    with open(path, "w") as f:
        f.write('wrk.method = "POST"\n')
        f.write(f"wrk.body = {json.dumps(json.dumps(body))}\n")
        f.write('wrk.headers["Content-Type"] = "application/json"\n')
        f.write(f'wrk.headers["Authorization"] = "Bearer {token}"\n')


def cpu_seconds(pid):
    """User + system CPU time of a process so far, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(url, duration, script=None, pid=None):
    cmd = ["wrk", "-t1", "-c16", f"-d{duration}s", "--latency"] + (["-s", script] if script else []) + [url]
    cpu_before = cpu_seconds(pid)
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    cpu = cpu_seconds(pid) - cpu_before
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    cpu_us = cpu * 1e6 / max(requests, 1)

    def latency(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, latency(50), latency(99), int(bad.group(1)) if bad else 0, cpu_us


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--bare", required=True)
    ap.add_argument("--baseline-server", help="a second airsql-server binary to compare with")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=5)
    args = ap.parse_args()
    procs = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            bare, bare_url = start([args.bare])
            procs.append(bare)
            srv, base = start([args.server, "--port", "0", "--data-dir", os.path.join(tmp, "a"), "--no-access-log"])
            procs.append(srv)
            raw, raw_base = start([args.server, "--port", "0", "--data-dir", os.path.join(tmp, "b"),
                                   "--no-access-log", "--graphql-cache-bytes", "0"])
            procs.append(raw)
            query = "{ artists(order_by: [{id: ASC}], limit: 20) { id name } }"
            sql_lua = os.path.join(tmp, "sql.lua")
            cells = {"floor": (bare_url + "/", None, bare.pid)}

            def graphql_cells(suffix, cached, uncached):
                (c_proc, c_base), (u_proc, u_base) = cached, uncached
                token, db = prepare(c_base)
                raw_token, raw_db = prepare(u_base)
                gql_lua, raw_lua = (os.path.join(tmp, n + suffix + ".lua") for n in ("gql", "raw"))
                lua(gql_lua, {"query": query}, token)
                lua(raw_lua, {"query": query}, raw_token)
                if not suffix:
                    lua(sql_lua, {"query": "SELECT id, name FROM artists ORDER BY id LIMIT 20"}, token)
                    cells["sql"] = (f"{c_base}/dbs/{db}/sql", sql_lua, c_proc.pid)
                cells["graphql" + suffix] = (f"{c_base}/dbs/{db}/graphql", gql_lua, c_proc.pid)
                cells["graphql-raw" + suffix] = (f"{u_base}/dbs/{raw_db}/graphql", raw_lua, u_proc.pid)

            graphql_cells("", (srv, base), (raw, raw_base))
            if args.baseline_server:
                servers = []
                for sub, extra in (("c", []), ("d", ["--graphql-cache-bytes", "0"])):
                    proc, url = start([args.baseline_server, "--port", "0", "--data-dir",
                                       os.path.join(tmp, sub), "--no-access-log"] + extra)
                    procs.append(proc)
                    servers.append((proc, url))
                graphql_cells("-base", servers[0], servers[1])
            results = {k: [] for k in cells}
            print(f"{'run':>3} {'endpoint':<16} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}"
                  f" {'CPU µs/req':>11}")
            for run in range(1, args.runs + 1):
                for name, (url, script, pid) in cells.items():  # interleaved: drift touches all alike
                    rps, p50, p99, bad, cpu_us = wrk(url, args.duration, script, pid)
                    results[name].append((rps, p50, p99, bad, cpu_us))
                    print(f"{run:>3} {name:<16} {rps:>10.0f} {p50:>8.2f} {p99:>8.2f} {bad:>8} {cpu_us:>11.1f}",
                          flush=True)
            med = {name: [statistics.median(r[i] for r in rs) for i in range(5)] for name, rs in results.items()}
            floor = med["floor"][0]
            print(f"\nmedians over {args.runs} run(s), wrk -t1 -c16 -d{args.duration}s")
            print(f"{'endpoint':<16} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'CPU µs/req':>11} "
                  f"{'ratio to floor':>15}")
            for name, (rps, p50, p99, _, cpu_us) in med.items():
                print(f"{name:<16} {rps:>10.0f} {p50:>8.2f} {p99:>8.2f} {cpu_us:>11.1f} {rps / floor:>14.2f}x")
            if args.baseline_server:
                print("\nthis server against the baseline binary (medians): req/s ratio, CPU per request ratio")
                for name in ("graphql", "graphql-raw"):
                    new, old = med[name], med[name + "-base"]
                    print(f"{name:<16} {new[0] / old[0]:>6.2f}x req/s {new[4] / old[4]:>6.2f}x CPU µs/req")
            bad = sum(r[3] for rs in results.values() for r in rs)
            return 1 if bad else 0
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()


if __name__ == "__main__":
    sys.exit(main())
