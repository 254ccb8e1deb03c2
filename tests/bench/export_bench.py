#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export benchmark: CSV export of a large table through airsql-server, against the sqlite3 CLI
(`sqlite3 -csv file 'SELECT * FROM t' > /dev/null`) on the same file in the same run.

Builds a table of six mixed columns (integer key, two texts, a REAL, a date text, a 32-byte
BLOB) of about EXPORT_BENCH_MB megabytes (default 200; the reference run uses 1024), then, in
interleaved order, `curl` downloads GET /api/dbs/<id>/tables/t/export to /dev/null and the CLI
writes the same rows to /dev/null. Prints each run, then the medians, the throughput ratio
(airsql / sqlite3; target >= 0.8) and the server's peak resident memory (VmHWM of
/proc/<pid>/status, over the whole run; target < 64 MiB).

Usage: export_bench.py --server PATH [--runs 3] [--mb 200] [--work-dir DIR]
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def start(server, data_dir):
    proc = subprocess.Popen([server, "--port", "0", "--data-dir", data_dir, "--no-access-log"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if "listening on " not in line:
        sys.exit(f"airsql-server did not start: {line!r}")
    return proc, line.split("listening on ", 1)[1]


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(60)


def post(url, body, token=None):
    req = urllib.request.Request(url, json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": "Bearer " + token} if token else {})})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def fill(db_file, megabytes):
    """Appends rows with the sqlite3 CLI until the file holds about `megabytes` MB."""
    rows = max(1000, int(megabytes * 1e6 / 114))  # about 114 bytes per row on disk
    script = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {rows}) "
        "INSERT INTO t (name, email, score, created, payload) "
        "SELECT printf('Name %d %s', n, substr('abcdefghijklmnopqrstuvwxyz', n % 26 + 1)), "
        "printf('user%d@example.org', n), (n % 100000) / 7.0, "
        "date('2020-01-01', printf('+%d days', n % 2000)), randomblob(32) FROM c;"
        "PRAGMA wal_checkpoint(TRUNCATE);").format(rows=rows)
    subprocess.run(["sqlite3", db_file, script], check=True, stdout=subprocess.DEVNULL)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--mb", type=float, default=float(os.environ.get("EXPORT_BENCH_MB", 200)))
    ap.add_argument("--work-dir", default=None)
    args = ap.parse_args()
    if not shutil.which("sqlite3") or not shutil.which("curl"):
        sys.exit("needs the sqlite3 CLI and curl")

    work = tempfile.mkdtemp(prefix="airsql-export-bench-", dir=args.work_dir)
    data = os.path.join(work, "data")
    try:
        proc, base = start(args.server, data)
        user = "bench" + os.urandom(4).hex()
        post(base + "/api/users", {"username": user, "email_address": user + "@example.com",
                                   "password": "bench-password"})
        token = post(base + "/api/login", {"username": user, "password": "bench-password"})[
            "sessionToken"]
        db = post(base + "/api/dbs", {"name": "bench", "team": user, "query":
                  "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, email TEXT, score REAL, "
                  "created TEXT, payload BLOB)"}, token)["id"]
        stop(proc)
        db_file = os.path.join(data, "databases", db, "main.sqlite")
        t0 = time.time()
        rows = fill(db_file, args.mb)
        size_mb = os.path.getsize(db_file) / 1e6
        print(f"table t: {rows} rows, file {size_mb:.0f} MB (built in {time.time() - t0:.0f} s)")

        proc, base = start(args.server, data)
        rss_idle = peak_rss_kib(proc.pid)
        url = f"{base}/api/dbs/{db}/tables/t/export"
        airsql_s, first_byte_s, cli_s, sizes = [], [], [], []
        for run in range(args.runs):
            out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w",
                                  "%{http_code} %{size_download} %{time_total} %{time_starttransfer}",
                                  "-H", "Authorization: Bearer " + token, url],
                                 check=True, capture_output=True, text=True).stdout.split()
            if out[0] != "200":
                sys.exit(f"export answered HTTP {out[0]}")
            sizes.append(int(out[1]))
            airsql_s.append(float(out[2]))
            first_byte_s.append(float(out[3]))
            t0 = time.perf_counter()
            with open(os.devnull, "wb") as null:
                subprocess.run(["sqlite3", "-csv", db_file, "SELECT * FROM t"], stdout=null,
                               check=True)
            cli_s.append(time.perf_counter() - t0)
            print(f"run {run + 1}: airsql {airsql_s[-1]:.2f} s ({sizes[-1] / 1e6:.0f} MB; first "
                  f"byte after {first_byte_s[-1]:.2f} s), "
                  f"sqlite3 -csv {cli_s[-1]:.2f} s")
        rss_peak = peak_rss_kib(proc.pid)
        stop(proc)
        a, c = statistics.median(airsql_s), statistics.median(cli_s)
        print(f"median airsql export: {a:.2f} s = {rows / a / 1e6:.2f} M rows/s "
              f"({statistics.median(sizes) / a / 1e6:.0f} MB/s of CSV)")
        print(f"  of which writing the file before the first byte: "
              f"{statistics.median(first_byte_s):.2f} s")
        print(f"median sqlite3 -csv:  {c:.2f} s = {rows / c / 1e6:.2f} M rows/s")
        print(f"throughput ratio airsql/sqlite3: {c / a:.2f} (target >= 0.80)")
        print(f"server peak RSS (VmHWM): {rss_peak / 1024:.1f} MiB (idle {rss_idle / 1024:.1f} "
              f"MiB; target < 64 MiB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
