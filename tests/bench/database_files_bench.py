#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Whole-database upload and download through the real server, measured in one run:

  upload     POST /dbs of an N-MiB SQLite file (curl, multipart): time and the server's peak
             RSS (VmHWM) against its RSS before
  download   GET /dbs/<id>/download of it: time, peak RSS, and the time of `cp` of the same
             file on this machine as the baseline (ratio)
  writers    p99 latency of 8 clients inserting one row each through the SQL endpoint, alone,
             while this script copies the file with `cp` and checks it (the client side of a
             download, without the server: the machine's own contention), and while the
             database is downloaded and checked again and again; ratios to both; every
             snapshot must pass integrity_check

Usage: database_files_bench.py --server PATH [--mib 1024] [--runs 3] [--seconds 6]
"""
import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request


def start(server, data_dir):
    proc = subprocess.Popen([server, "--port", "0", "--data-dir", data_dir, "--no-access-log",
                             "--max-upload-bytes", str(4 << 30)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if "listening on " not in line:
        sys.exit(f"the server did not start: {line!r}")
    return proc, line.split("listening on ")[1]


def call(base, method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak(pid):
    """Resets VmHWM to the current RSS (Linux: clear_refs 5), so a phase's peak excludes earlier
    ones (e.g. argon2id's 64 MiB at sign-in)."""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def make_database(path, mib):
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b REAL, c INTEGER)")
    blob = "x" * 900
    rows = mib * 1024 // 1
    conn.executemany("INSERT INTO t (a, b, c) VALUES (?, ?, ?)",
                     ((blob, i * 0.5, i) for i in range(rows)))
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def p99(samples):
    samples = sorted(samples)
    return samples[min(len(samples) - 1, int(len(samples) * 0.99))] if samples else float("nan")


def writer_latencies(base, token, db, seconds, during=None):
    stop = threading.Event()
    lat = []
    lock = threading.Lock()

    def writer():
        while not stop.is_set():
            t = time.perf_counter()
            r = call(base, "POST", f"/dbs/{db}/sql", {"query": "INSERT INTO t (a, b, c) VALUES ('w', 1, 1)"}, token)
            if r.get("errors"):
                raise SystemExit(f"insert failed: {r}")
            with lock:
                lat.append(time.perf_counter() - t)

    threads = [threading.Thread(target=writer) for _ in range(8)]
    for t in threads:
        t.start()
    extra = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        if during:
            extra.append(during())
        else:
            time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join()
    return lat, extra


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--mib", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=6)
    args = ap.parse_args()
    if not shutil.which("curl"):
        sys.exit("curl is needed")
    tmp = tempfile.mkdtemp(prefix="airsql-files-bench-")
    try:
        src = os.path.join(tmp, "big.sqlite")
        make_database(src, args.mib)
        size = os.path.getsize(src)
        proc, base = start(args.server, os.path.join(tmp, "data"))
        try:
            call(base, "POST", "/api/users", {"username": "bench", "email_address": "b@example.org",
                                              "password": "bench password 123"})
            token = call(base, "POST", "/api/login", {"username": "bench",
                                                       "password": "bench password 123"})["sessionToken"]
            auth = ["-H", f"Authorization: Bearer {token}"]
            before = rss_kib(proc.pid, "VmRSS")
            reset_peak(proc.pid)
            up, down, cp = [], [], []
            db = None
            for _ in range(args.runs):
                out = os.path.join(tmp, "up.json")
                up.append(timed(["curl", "-sf", "-o", out, *auth, "-F", f"file=@{src}", base + "/dbs"]))
                with open(out) as f:
                    db = json.load(f)["id"]
            up_peak = rss_kib(proc.pid, "VmHWM")
            reset_peak(proc.pid)
            dest = os.path.join(tmp, "down.sqlite")
            for _ in range(args.runs):
                down.append(timed(["curl", "-sf", "-o", dest, *auth, f"{base}/dbs/{db}/download"]))
                cp.append(timed(["cp", src, os.path.join(tmp, "cp.sqlite")]))
                if os.path.getsize(dest) != size:
                    sys.exit("the download has the wrong size")
            identical = subprocess.run(["cmp", "-s", src, dest]).returncode == 0
            down_peak = rss_kib(proc.pid, "VmHWM")
            print(f"file {size / 2**20:.0f} MiB; server RSS before {before / 1024:.1f} MiB")
            print(f"upload    median {statistics.median(up):.2f}s  "
                  f"({size / 2**20 / statistics.median(up):.0f} MiB/s)  peak RSS {up_peak / 1024:.1f} MiB")
            print(f"download  median {statistics.median(down):.2f}s  "
                  f"({size / 2**20 / statistics.median(down):.0f} MiB/s)  peak RSS {down_peak / 1024:.1f} MiB  "
                  f"byte-identical {identical}")
            print(f"download / cp ratio {statistics.median(down) / statistics.median(cp):.2f} "
                  f"(cp median {statistics.median(cp):.2f}s)")

            alone, _ = writer_latencies(base, token, db, args.seconds)

            def one_download():
                t = time.perf_counter()
                subprocess.run(["curl", "-sf", "-o", dest, *auth, f"{base}/dbs/{db}/download"], check=True)
                check = sqlite3.connect(dest)
                ok = check.execute("PRAGMA integrity_check").fetchone()[0]
                check.close()
                if ok != "ok":
                    sys.exit(f"a snapshot failed integrity_check: {ok}")
                return time.perf_counter() - t

            def one_copy():
                t = time.perf_counter()
                subprocess.run(["cp", src, dest], check=True)
                check = sqlite3.connect(dest)
                check.execute("PRAGMA integrity_check").fetchone()
                check.close()
                return time.perf_counter() - t

            baseline, copies = writer_latencies(base, token, db, args.seconds, one_copy)
            during, downloads = writer_latencies(base, token, db, args.seconds, one_download)
            print(f"writers   p99 while the bench itself copies and checks the file {len(copies)} "
                  f"times (cp + integrity_check, no server work): {p99(baseline) * 1000:.1f} ms "
                  f"({len(baseline)} inserts); ratio to alone {p99(baseline) / p99(alone):.2f}")
            print(f"writers   p99 alone {p99(alone) * 1000:.1f} ms ({len(alone)} inserts); "
                  f"p99 during {len(downloads)} downloads {p99(during) * 1000:.1f} ms "
                  f"({len(during)} inserts); ratio {p99(during) / p99(alone):.2f}; "
                  f"ratio to the copy baseline {p99(during) / p99(baseline):.2f}; "
                  f"every snapshot passed integrity_check")
        finally:
            proc.terminate()
            proc.wait()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
