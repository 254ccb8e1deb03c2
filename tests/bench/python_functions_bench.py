#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Python functions benchmark, in one run:

- call: calls of a trivial `runtime: "python"` function through airsql-server over one
  keep-alive connection. Every call runs in a fresh python3 under bubblewrap; airsql starts
  the next one (the spare) when a call ends. Back to back, a call waits for the spare's
  python3 to finish starting (a cold start); paced 300 ms apart, the spare is ready (warm);
- bare: `python3 -c pass` and `python3 -I -B -c <the same module and a one-line caller>`
  started directly, no sandbox: the cost of any process per call;
- bwrap: the same python3 in the same bwrap sandbox, without airsql (the sandbox's own cost);
- load: N concurrent callers (default 8) for BENCH_SECONDS (default 10): calls/s, failures, p99.

Prints the p50s and the ratios call / bare python3, call / bwrap.

Usage: python_functions_bench.py --server PATH [--calls 50] [--seconds 10] [--callers 8]
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

MODULE = "async def main(context):\n    return {'ok': 1, 'method': context.method}\n"
EXPECTED = {"ok": 1, "method": "POST"}
CALLER = MODULE + "import asyncio, json\nclass C: method = 'POST'\nprint(json.dumps(asyncio.run(main(C()))))\n"
BWRAP = ["/usr/bin/bwrap", "--unshare-all", "--unshare-user", "--disable-userns",
         "--die-with-parent", "--new-session", "--clearenv", "--ro-bind", "/usr/lib", "/usr/lib",
         "--ro-bind", "/usr/lib64", "/usr/lib64", "--symlink", "usr/lib64", "/lib64",
         "--ro-bind", "/usr/bin/python3.11", "/usr/bin/python3.11", "--symlink", "usr/lib", "/lib",
         "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--chdir", "/tmp"]


def start(server, data_dir):
    proc = subprocess.Popen([server, "--port", "0", "--data-dir", data_dir, "--no-access-log",
                             "--max-connections-per-address", "1000",
                             "--max-requests-per-address", "1000"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if "listening on " not in line:
        sys.exit(f"airsql-server did not start: {line!r}")
    host, port = line.split("http://", 1)[1].rsplit(":", 1)
    return proc, host, int(port)


class Conn:
    def __init__(self, host, port, token=None):
        self.c = http.client.HTTPConnection(host, port, timeout=60)
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


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def timed_runs(cmd, n):
    out = []
    for _ in range(n):
        t = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, env={})
        out.append(time.perf_counter() - t)
        assert r.returncode == 0, r.stderr
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 10)))
    ap.add_argument("--callers", type=int, default=8)
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="airsql-py-bench-")
    proc, host, port = start(args.server, os.path.join(work, "data"))
    try:
        c = Conn(host, port)
        c.call("POST", "/api/users", {"username": "bench", "email_address": "b@example.org",
                                      "password": "correct horse battery"})
        st, body = c.call("POST", "/api/login", {"username": "bench",
                                                 "password": "correct horse battery"})
        token = json.loads(body)["sessionToken"]
        c = Conn(host, port, token)
        st, body = c.call("POST", "/api/dbs", {"name": "bench", "team": "bench",
                                               "query": "CREATE TABLE t (x)"})
        db = json.loads(body)["id"]
        t = time.perf_counter()
        st, body = c.call("POST", f"/api/dbs/{db}/functions",
                          {"name": "f", "runtime": "python", "content": MODULE, "public": True})
        save = time.perf_counter() - t
        assert st == 200, body
        fid = json.loads(body)["id"]

        for _ in range(3):
            c.call("POST", f"/fns/{fid}")
        calls = []
        for _ in range(args.calls):
            t = time.perf_counter()
            st, body = c.call("POST", f"/fns/{fid}")
            calls.append(time.perf_counter() - t)
            assert st == 200 and json.loads(body) == EXPECTED, body

        paced = []
        for _ in range(args.calls):
            time.sleep(0.3)
            t = time.perf_counter()
            st, body = c.call("POST", f"/fns/{fid}")
            paced.append(time.perf_counter() - t)
            assert st == 200 and json.loads(body) == EXPECTED, body

        bare_pass = timed_runs(["/usr/bin/python3", "-c", "pass"], args.calls)
        bare_module = timed_runs(["/usr/bin/python3", "-I", "-B", "-c", CALLER], args.calls)
        sandboxed = timed_runs(BWRAP + ["/usr/bin/python3.11", "-I", "-B", "-c", CALLER], args.calls)

        p50 = statistics.median(calls)
        print(f"save (check in a sandbox): {ms(save)}")
        warm = statistics.median(paced)
        print(f"call back to back (cold: the spare is still starting): p50 {ms(p50)}, "
              f"p99 {ms(pct(calls, 99))} over {len(calls)}")
        print(f"call paced 300 ms (warm: the spare is ready): p50 {ms(warm)}, "
              f"p99 {ms(pct(paced, 99))} over {len(paced)}")
        print(f"bare python3 -c pass: p50 {ms(statistics.median(bare_pass))}")
        print(f"bare python3 running the module: p50 {ms(statistics.median(bare_module))}")
        print(f"bwrap + python3 running the module: p50 {ms(statistics.median(sandboxed))}")
        print(f"ratio cold call / bare python3 -c pass: {p50 / statistics.median(bare_pass):.1f}x")
        print(f"ratio warm call / bare python3 -c pass: {warm / statistics.median(bare_pass):.2f}x")
        print(f"ratio cold call / bwrap + python3: {p50 / statistics.median(sandboxed):.1f}x")
        print(f"ratio bwrap + python3 / warm call: {statistics.median(sandboxed) / warm:.1f}x")

        stop_at = time.monotonic() + args.seconds
        latencies, failures, lock = [], [], threading.Lock()

        def caller():
            conn = Conn(host, port)
            mine, bad = [], []
            while time.monotonic() < stop_at:
                t = time.perf_counter()
                try:
                    st, body = conn.call("POST", f"/fns/{fid}")
                    ok = st == 200 and json.loads(body) == EXPECTED
                except Exception as e:  # noqa: BLE001 - counted as a failure
                    ok, st, body = False, 0, repr(e).encode()
                    conn = Conn(host, port)
                mine.append(time.perf_counter() - t)
                if not ok:
                    bad.append((st, body[:200]))
            with lock:
                latencies.extend(mine)
                failures.extend(bad)

        threads = [threading.Thread(target=caller) for _ in range(args.callers)]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.monotonic() - began
        print(f"load: {args.callers} callers for {args.seconds:.0f} s: {len(latencies)} calls "
              f"({len(latencies) / took:.0f}/s), {len(failures)} failures, "
              f"p50 {ms(pct(latencies, 50))}, p99 {ms(pct(latencies, 99))}")
        if failures:
            print("  first failures:", failures[:3])
        print("server alive:", proc.poll() is None)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
