#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Hostile-load benchmark: does one well-behaved principal stay fast while others hog the server?

Starts airsql-server on port 0 (loopback, fresh data directory), creates 5 users, then runs two
phases of --duration seconds each, in the same run:
  quiet    the fifth user alone logs in and reads (a small SQL SELECT and a small GraphQL
           query) in a loop
  hostile  the same, while 4 hostile users each keep --concurrency requests running: runaway
           SQL (a recursive CTE that runs until --sql-timeout-ms) alternating with large,
           uncacheable GraphQL queries
With --attack writes the hostile users instead flood the server with cheap one-row GraphQL
inserts spread over --flood-dbs databases each (every commit needs its own database's
fdatasync: this attacks group commit and the server's commit waiter), and the fifth user also
inserts a row per loop.
Each hostile user runs in a process of its own (its requests on threads), so the fifth user's
timings hold no wait for the attackers' Python interpreter lock.
Prints p50/p99 of the fifth user's logins, reads (and writes) in both phases and the ratio
hostile/quiet. Standard library only.

Usage: hostile_load.py --server PATH [--duration 20] [--sql-timeout-ms 3000] [--concurrency 4]
                       [--attack runaway|writes] [--flood-dbs 8] [--server-arg=--workers=8 ...]
"""
import argparse
import http.client
import json
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PASSWORD = "bench-password"
RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"
SETUP = ("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, n INTEGER);"
         "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 10000) "
         "INSERT INTO items SELECT i, 'item ' || i || ' ' || hex(randomblob(8)), i % 97 FROM s;")


class Api:
    def __init__(self, port):
        self.port = port

    def call(self, method, path, body=None, token=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = "Bearer " + token
        try:
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            res = conn.getresponse()
            raw = res.read()
            return res.status, json.loads(raw) if raw else None
        finally:
            conn.close()


def start_server(binary, data_dir, sql_timeout_ms, extra):
    cmd = [binary, "--host", "127.0.0.1", "--port", "0", "--data-dir", data_dir,
           "--sql-timeout-ms", str(sql_timeout_ms), "--no-access-log",
           "--no-rate-limits", *extra]  # it measures load, not the account rate limits
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if "listening on " not in line:
        proc.kill()
        sys.exit(f"airsql-server did not start: {line!r}")
    return proc, int(line.rsplit(":", 1)[1])


def new_user(api, name):
    status, body = api.call("POST", "/api/users", {"username": name, "password": PASSWORD,
                                                   "email_address": name + "@example.org"})
    if status != 201:
        sys.exit(f"sign-up failed: {status} {body}")
    status, body = api.call("POST", "/api/login", {"username": name, "password": PASSWORD})
    token = body["sessionToken"]
    status, body = api.call("POST", "/api/dbs", {"name": "bench", "team": name, "query": SETUP},
                            token)
    if status != 201:
        sys.exit(f"create database failed: {status} {body}")
    return token, body["id"]


def hostile(api, token, db, stop, counts):
    """Keeps one worst-case request running until `stop`: runaway SQL, then large GraphQL."""
    turn = 0
    while not stop.is_set():
        if turn % 2 == 0:
            kind, path, body = "sql", f"/dbs/{db}/sql", {"query": RUNAWAY}
        else:
            # Uncacheable (a fresh pattern each time) and large: four full scans, 10,000 rows.
            fields = " ".join(
                f'a{i}: items(limit: 10000, where: {{name: {{_like: "%{random.randrange(10**6)}%"}}}}) '
                "{ id name n }" for i in range(4))
            kind, path, body = "graphql", f"/dbs/{db}/graphql", {"query": "{ " + fields + " }"}
        turn += 1
        try:
            status, _ = api.call("POST", path, body, token, timeout=120)
        except OSError as e:
            status = type(e).__name__
        key = f"{kind} {status}"
        counts[key] = counts.get(key, 0) + 1


def new_db(api, token, team):
    status, body = api.call("POST", "/api/dbs", {"name": "flood", "team": team, "query": SETUP}, token)
    if status != 201:
        sys.exit(f"create database failed: {status} {body}")
    return body["id"]


def flooder(api, token, dbs, stop, counts):
    """One-row inserts into `dbs` in turn until `stop` (a fresh value each: nothing to remember)."""
    turn = 0
    while not stop.is_set():
        db = dbs[turn % len(dbs)]
        turn += 1
        body = {"query": f'mutation {{ insert_items(objects: [{{name: "f{turn}", n: {turn}}}]) '
                         "{ affected_rows } }"}
        try:
            status, _ = api.call("POST", f"/dbs/{db}/graphql", body, token, timeout=120)
        except OSError as e:
            status = type(e).__name__
        key = f"insert {status}"
        counts[key] = counts.get(key, 0) + 1


def attacker(work, api, token, dbs_or_db, concurrency, stop, results):
    """One hostile principal in a process of its own: `concurrency` threads of `work` until
    `stop`, then its request counts on `results`. A process per principal, so the fifth
    principal's timings never wait for a Python lock held by the attackers' threads."""
    counts = {}
    threads = [threading.Thread(target=work, args=(api, token, dbs_or_db, stop, counts), daemon=True)
               for _ in range(concurrency)]
    for t in threads:
        t.start()
    stop.wait()
    for t in threads:
        t.join(150)
    results.put(counts)


def victim(api, user, token, db, seconds, writes):
    """The fifth user's loop: a login, a small SQL read, a small GraphQL read (and a one-row
    GraphQL insert when `writes`); latencies in ms."""
    out = {"login": [], "sql read": [], "graphql read": [], "graphql write": [], "failures": 0,
           "slowest": (0, "", 0)}
    started = time.monotonic()
    deadline = started + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        steps = [("login", "POST", "/api/login", {"username": user, "password": PASSWORD}, None, 200),
                 ("sql read", "POST", f"/dbs/{db}/sql",
                  {"query": f"SELECT id, name FROM items WHERE id = {n % 10000 + 1}"}, token, 200),
                 ("graphql read", "POST", f"/dbs/{db}/graphql",
                  {"query": f"{{ items(where: {{id: {{_eq: {n % 10000 + 1}}}}}) {{ id name }} }}"},
                  token, 200)]
        if writes:
            steps.append(("graphql write", "POST", f"/dbs/{db}/graphql",
                          {"query": f'mutation {{ insert_items(objects: [{{name: "v{n}", n: {n}}}]) '
                                    "{ affected_rows } }"}, token, 200))
        for name, method, path, body, tok, expected in steps:
            t0 = time.perf_counter()
            try:
                status, _ = api.call(method, path, body, tok, timeout=60)
            except OSError:
                status = None
            ms = (time.perf_counter() - t0) * 1000
            out[name].append(ms)
            if ms > out["slowest"][0]:
                out["slowest"] = (ms, name, time.monotonic() - started)
            if status != expected:
                out["failures"] += 1
    return out


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", required=True)
    ap.add_argument("--duration", type=float, default=20, help="seconds per phase")
    ap.add_argument("--sql-timeout-ms", type=int, default=3000)
    ap.add_argument("--hostile", type=int, default=4, help="hostile principals")
    ap.add_argument("--concurrency", type=int, default=4, help="requests per hostile principal")
    ap.add_argument("--attack", choices=("runaway", "writes"), default="runaway",
                    help="runaway SQL and large GraphQL reads, or a flood of one-row inserts")
    ap.add_argument("--flood-dbs", type=int, default=8,
                    help="with --attack writes: databases each hostile user writes to")
    ap.add_argument("--server-arg", action="append", default=[],
                    help="extra server argument, e.g. --server-arg=--workers=8")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="airsql-hostile-")
    proc, port = start_server(args.server, os.path.join(tmp, "data"), args.sql_timeout_ms,
                              args.server_arg)
    try:
        api = Api(port)
        tag = os.urandom(3).hex()
        users = [f"u{tag}x{i}" for i in range(args.hostile + 1)]
        principals = [new_user(api, u) for u in users]
        me, (my_token, my_db) = users[-1], principals[-1]

        writes = args.attack == "writes"
        results = {}
        results["quiet"] = victim(api, me, my_token, my_db, args.duration, writes)

        stop = multiprocessing.Event()
        reports = multiprocessing.Queue()
        if writes:
            jobs = [(flooder, tok, [db] + [new_db(api, tok, user) for _ in range(args.flood_dbs - 1)])
                    for user, (tok, db) in zip(users, principals[:-1])]
        else:
            jobs = [(hostile, tok, db) for tok, db in principals[:-1]]
        procs = [multiprocessing.Process(target=attacker, daemon=True,
                                         args=(work, api, tok, target, args.concurrency, stop, reports))
                 for work, tok, target in jobs]
        for p in procs:
            p.start()
        time.sleep(0.5)  # let the hostile requests take their workers
        results["hostile"] = victim(api, me, my_token, my_db, args.duration, writes)
        stop.set()
        counts = {}
        for _ in procs:
            for key, n in reports.get(timeout=args.sql_timeout_ms / 1000 + 60).items():
                counts[key] = counts.get(key, 0) + n
        for p in procs:
            p.join(30)

        attack = (f"one-row inserts into {args.flood_dbs} databases each" if writes else
                  f"runaway SQL to {args.sql_timeout_ms} ms, large GraphQL")
        print(f"{args.hostile} hostile principals x {args.concurrency} requests ({attack}); "
              f"{args.duration:g} s per phase; server args: "
              f"{' '.join(args.server_arg) or '(defaults)'}")
        print("hostile requests completed: " +
              ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
        print(f"{'fifth principal':<14} {'phase':<8} {'n':>5} {'p50 ms':>9} {'p99 ms':>9} "
              f"{'max ms':>9}")
        names = ("login", "sql read", "graphql read") + (("graphql write",) if writes else ())
        for name in names:
            for phase in ("quiet", "hostile"):
                v = results[phase][name]
                print(f"{name:<14} {phase:<8} {len(v):>5} {pct(v, 50):>9.1f} {pct(v, 99):>9.1f} "
                      f"{max(v, default=0):>9.1f}")
            q, h = results["quiet"][name], results["hostile"][name]
            print(f"{name:<14} ratio hostile/quiet: p50 x{pct(h, 50) / max(pct(q, 50), 1e-9):.2f}"
                  f", p99 x{pct(h, 99) / max(pct(q, 99), 1e-9):.2f}")
        for phase in ("quiet", "hostile"):
            ms, name, at = results[phase]["slowest"]
            print(f"slowest in the {phase} phase: {name} {ms:.1f} ms, {at:.1f} s into the phase")
        failures = results["quiet"]["failures"] + results["hostile"]["failures"]
        print(f"fifth principal's failed requests: {failures}")
        worst = max(pct(results["hostile"][n], 99) for n in names)
        print(f"worst p99 under hostile load: {worst:.1f} ms (target < 200 ms)")
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
