#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Functions benchmark: calls of a trivial Deno function through airsql-server, in one run:

- cold: the first call of a new function (a Deno process starts, loads the runner and a
  Worker with the module), over several functions;
- warm: calls of a started function over one keep-alive connection, back to back (each call
  takes the preloaded Worker; the next one is being created meanwhile) and paced 25 ms apart
  (the preloaded Worker is ready when the call arrives);
- bare: `deno run` of the same module with a one-line caller, the cost of a process per call;
- load: 100 concurrent callers for 20 s (BENCH_SECONDS) on one public function: calls, failures
  (anything but HTTP 200 with the expected body), p50/p99.

Prints each figure and the ratios cold / warm p50 and bare / warm p50 (targets: warm p50 < 5 ms,
cold >= 10 x warm).

Usage: functions_bench.py --server PATH [--deno PATH] [--seconds 20] [--callers 100]
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

MODULE = "export default async function (context) { return {ok: 1, method: context.method} }\n"
EXPECTED = {"ok": 1, "method": "POST"}


def start(server, data_dir):
    # All callers come from 127.0.0.1: lift the per-address caps above the caller count.
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
        data = r.read()
        return r.status, data


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def ms(seconds):
    return f"{seconds * 1000:.2f} ms"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--deno", default=os.path.join(
        here, "../../tools/deno/node_modules/@deno/linux-x64-glibc/deno"))
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 20)))
    ap.add_argument("--callers", type=int, default=100)
    ap.add_argument("--cold", type=int, default=8)
    ap.add_argument("--warm", type=int, default=300)
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="airsql-fn-bench-")
    proc, host, port = start(args.server, os.path.join(work, "data"))
    try:
        c = Conn(host, port)
        st, _ = c.call("POST", "/api/users", {"username": "bench", "email_address": "b@example.org",
                                              "password": "correct horse battery"})
        st, body = c.call("POST", "/api/login", {"username": "bench",
                                                 "password": "correct horse battery"})
        token = json.loads(body)["sessionToken"]
        c = Conn(host, port, token)
        st, body = c.call("POST", "/api/dbs", {"name": "bench", "team": "bench",
                                               "query": "CREATE TABLE t (x)"})
        db = json.loads(body)["id"]

        def new_function(public=False):
            st, body = c.call("POST", f"/api/dbs/{db}/functions",
                              {"name": "f", "content": MODULE, "public": public})
            assert st == 200, body
            return json.loads(body)["id"]

        # Cold: first calls of new functions.
        cold = []
        for _ in range(args.cold):
            fid = new_function()
            t = time.perf_counter()
            st, body = c.call("POST", f"/fns/{fid}")
            cold.append(time.perf_counter() - t)
            assert st == 200 and json.loads(body) == EXPECTED, body

        # Warm: one function, one keep-alive connection.
        fid = new_function(public=True)
        for _ in range(5):
            c.call("POST", f"/fns/{fid}")
        back_to_back = []
        for _ in range(args.warm):
            t = time.perf_counter()
            st, body = c.call("POST", f"/fns/{fid}")
            back_to_back.append(time.perf_counter() - t)
            assert st == 200, body
        paced = []
        for _ in range(args.warm // 3):
            time.sleep(0.025)
            t = time.perf_counter()
            st, body = c.call("POST", f"/fns/{fid}")
            paced.append(time.perf_counter() - t)
            assert st == 200, body

        # Bare: a Deno process per call.
        bare_dir = os.path.join(work, "bare")
        os.makedirs(bare_dir)
        with open(os.path.join(bare_dir, "mod.ts"), "w") as f:
            f.write(MODULE)
        with open(os.path.join(bare_dir, "main.ts"), "w") as f:
            f.write('import f from "./mod.ts";\n'
                    'console.log(JSON.stringify(await f({method: "POST"})));\n')
        env = {"NO_COLOR": "1", "DENO_DIR": os.path.join(work, "deno_dir"),
               "DENO_NO_UPDATE_CHECK": "1", "HOME": work}
        bare = []
        for _ in range(args.cold):
            t = time.perf_counter()
            out = subprocess.run([args.deno, "run", "--no-prompt", "--no-config", "--no-lock",
                                  "--no-remote", "--no-npm", f"--allow-read={bare_dir}",
                                  os.path.join(bare_dir, "main.ts")],
                                 capture_output=True, text=True, env=env, check=True)
            bare.append(time.perf_counter() - t)
            assert json.loads(out.stdout) == EXPECTED, out.stdout

        warm_p50 = statistics.median(back_to_back)
        paced_p50 = statistics.median(paced)
        print(f"cold start (first call, new runtime): median {ms(statistics.median(cold))}, "
              f"max {ms(max(cold))} over {len(cold)}")
        print(f"warm call back to back: p50 {ms(warm_p50)}, p99 {ms(pct(back_to_back, 99))} "
              f"over {len(back_to_back)}")
        print(f"warm call paced 25 ms: p50 {ms(paced_p50)}, p99 {ms(pct(paced, 99))} "
              f"over {len(paced)}")
        print(f"bare deno run of the same module: median {ms(statistics.median(bare))}")
        print(f"ratio cold / warm p50: back to back {statistics.median(cold) / warm_p50:.1f}x, "
              f"paced {statistics.median(cold) / paced_p50:.1f}x")
        print(f"ratio bare deno run / warm p50: back to back "
              f"{statistics.median(bare) / warm_p50:.1f}x, paced "
              f"{statistics.median(bare) / paced_p50:.1f}x")

        # Load: many callers, anonymous calls of the public function.
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
