#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Event-trigger benchmark, one airsql-server run:

- latency: one row inserted at a time (a SQL request each, spaced 50 ms apart) into a table
  with an insert trigger; the function notes when it starts (wall clock, µs). Printed: p50/p99
  from the moment the INSERT request was sent to the function's start, and the same for the
  moment its response arrived (the commit is between the two), beside the plain INSERT request
  time.
- throughput: the same inserts with and without an attached trigger (two tables of one
  database, alternating rounds): single-row requests per second and rows per second of
  1,000-row statements; ratios trigger / no trigger. Twice: with deliveries running meanwhile
  (each delivery is a function call plus a short write that removes its event), and on a
  second server with delivery paused (the cost of queueing the event alone).

Usage: triggers_bench.py --server PATH [--events 200] [--rounds 3]
"""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

MODULE = """export default async function (context) {
  const started = Math.round((performance.timeOrigin + performance.now()) * 1000)
  const d = context.data
  if (d.trigger.table === "lat") {
    await context.sql(`INSERT INTO started (id, us) VALUES (${d.new.id}, ${started})`)
  }
  return {ok: 1}
}
"""


def start(server, data_dir, *extra):
    proc = subprocess.Popen([server, "--port", "0", "--data-dir", data_dir, "--no-access-log",
                             "--no-rate-limits", "--event-max-queue-rows", "100000", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if "listening on " not in line:
        sys.exit(f"airsql-server did not start: {line!r}")
    host, port = line.split("http://", 1)[1].rsplit(":", 1)
    return proc, host, int(port)


class Conn:
    def __init__(self, host, port, token=None):
        self.c = http.client.HTTPConnection(host, port, timeout=120)
        self.token = token

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        self.c.request(method, path, json.dumps(body).encode() if body is not None else None,
                       headers)
        r = self.c.getresponse()
        return r.status, r.read()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def setup(host, port):
    c = Conn(host, port)
    c.call("POST", "/api/users", {"username": "bench", "email_address": "b@example.org",
                                  "password": "correct horse battery"})
    _, body = c.call("POST", "/api/login", {"username": "bench",
                                            "password": "correct horse battery"})
    c = Conn(host, port, json.loads(body)["sessionToken"])
    _, body = c.call("POST", "/api/dbs", {
        "name": "bench", "team": "bench",
        "query": "CREATE TABLE lat (id INTEGER PRIMARY KEY, v TEXT); "
                 "CREATE TABLE started (id INTEGER PRIMARY KEY, us INTEGER); "
                 "CREATE TABLE with_trigger (id INTEGER PRIMARY KEY, a TEXT, b REAL); "
                 "CREATE TABLE without_trigger (id INTEGER PRIMARY KEY, a TEXT, b REAL)"})
    db = json.loads(body)["id"]
    st, body = c.call("POST", f"/api/dbs/{db}/functions", {
        "name": "on-insert", "content": MODULE,
        "triggers": [{"table": "lat", "events": ["insert"]},
                     {"table": "with_trigger", "events": ["insert"]}]})
    assert st == 200, body

    def sql(q):
        st, body = c.call("POST", f"/dbs/{db}/sql", {"query": q})
        assert st == 200 and not json.loads(body).get("errors"), body
        return json.loads(body)
    return sql


def throughput(sql, rounds, singles, label):
    single = {"with_trigger": [], "without_trigger": []}
    bulk = {"with_trigger": [], "without_trigger": []}
    next_id = {"with_trigger": 1, "without_trigger": 1}
    for _ in range(rounds):
        for table in ("without_trigger", "with_trigger"):
            t = time.perf_counter()
            for _ in range(singles):
                sql(f"INSERT INTO {table} (id, a, b) VALUES ({next_id[table]}, 'text', 1.5)")
                next_id[table] += 1
            single[table].append(singles / (time.perf_counter() - t))
            first = next_id[table]
            t = time.perf_counter()
            sql(f"WITH RECURSIVE n(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM n "
                f"WHERE i < {first + 999}) INSERT INTO {table} (id, a, b) "
                "SELECT i, 'text ' || i, i * 0.5 FROM n")
            bulk[table].append(1000 / (time.perf_counter() - t))
            next_id[table] += 1000
    best = {k: max(v) for k, v in single.items()}
    best_bulk = {k: max(v) for k, v in bulk.items()}
    print(f"insert throughput, {label} (best of {rounds} rounds):")
    print(f"  single-row requests/s:    without {best['without_trigger']:9.1f}   with "
          f"{best['with_trigger']:9.1f}   ratio {best['with_trigger'] / best['without_trigger']:.2f}")
    print(f"  rows/s, 1,000 per INSERT: without {best_bulk['without_trigger']:9.0f}   with "
          f"{best_bulk['with_trigger']:9.0f}   ratio "
          f"{best_bulk['with_trigger'] / best_bulk['without_trigger']:.2f}")


def stop(proc):
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--singles", type=int, default=300)
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="airsql-trigger-bench-")
    try:
        proc, host, port = start(args.server, os.path.join(work, "data"))
        try:
            sql = setup(host, port)
            # Latency.
            sent, answered, request_s = {}, {}, []
            sql("INSERT INTO lat (id, v) VALUES (0, 'warm-up')")
            time.sleep(1.0)
            for i in range(1, args.events + 1):
                t0 = time.time()
                p0 = time.perf_counter()
                sql(f"INSERT INTO lat (id, v) VALUES ({i}, 'x')")
                request_s.append(time.perf_counter() - p0)
                sent[i], answered[i] = t0, time.time()
                time.sleep(0.05)
            deadline = time.time() + 60
            while time.time() < deadline:
                rows = sql("SELECT id, us FROM started WHERE id > 0")["rows"]
                if len(rows) >= args.events:
                    break
                time.sleep(0.2)
            from_sent = [r["us"] / 1e6 - sent[r["id"]] for r in rows]
            from_answer = [r["us"] / 1e6 - answered[r["id"]] for r in rows]
            print(f"delivery latency over {len(rows)} events (function start, wall clock):")
            print(f"  from INSERT sent:      p50 {pct(from_sent, 50) * 1000:8.2f} ms   "
                  f"p99 {pct(from_sent, 99) * 1000:8.2f} ms")
            print(f"  from INSERT answered:  p50 {pct(from_answer, 50) * 1000:8.2f} ms   "
                  f"p99 {pct(from_answer, 99) * 1000:8.2f} ms")
            print(f"  the INSERT request:    p50 {pct(request_s, 50) * 1000:8.2f} ms   "
                  f"p99 {pct(request_s, 99) * 1000:8.2f} ms")
            throughput(sql, args.rounds, args.singles, "deliveries running")
        finally:
            stop(proc)
        proc, host, port = start(args.server, os.path.join(work, "paused"),
                                 "--event-delivery-paused")
        try:
            throughput(setup(host, port), args.rounds, args.singles, "delivery paused")
        finally:
            stop(proc)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
