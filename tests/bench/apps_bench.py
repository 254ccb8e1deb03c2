#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Apps through the real server, measured in one run:

  upload   POST /api/dbs/<id>/apps of a zip of N files (deflated text): the server's time
           (check, unpack, hash, store) against Python's zipfile extracting the same zip to a
           temporary folder on this machine (ratio)
  open     GET /dbs/<id>/apps/<app> (index.html with a fresh session, nonce and asset key):
           requests per second on one keep-alive connection, against GET /api/status
  file     GET of one 10 KiB file of the app through its asset key, the same way (ratio)

Usage: apps_bench.py --server PATH [--files 1000] [--requests 2000]
"""
import argparse
import http.client
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile


def start(server, data_dir):
    proc = subprocess.Popen([server, "--port", "0", "--data-dir", data_dir, "--no-access-log"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if "listening on " not in line:
        sys.exit(f"the server did not start: {line!r}")
    return proc, line.split("listening on ")[1]


def call(conn, method, path, body=None, token=None, ctype="application/json"):
    headers = {"Content-Type": ctype}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    raw = r.read()
    return r.status, raw


def rate(conn, path, n, token=None):
    t = time.perf_counter()
    for _ in range(n):
        status, _ = call(conn, "GET", path, token=token)
        assert status == 200, (path, status)
    return n / (time.perf_counter() - t)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=2000)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="airsql-apps-bench-")
    proc, url = start(args.server, os.path.join(tmp, "data"))
    host, port = url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        call(conn, "POST", "/api/users", {"username": "bench", "email_address": "b@example.org",
                                          "password": "correct horse battery"})
        _, raw = call(conn, "POST", "/api/login", {"username": "bench",
                                                   "password": "correct horse battery"})
        token = json.loads(raw)["sessionToken"]
        _, raw = call(conn, "POST", "/api/dbs", {"name": "b", "team": "bench"}, token)
        db = json.loads(raw)["id"]

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("index.html", "<!doctype html><html><head></head><body>"
                       "<script src=\"f0.js\"></script></body></html>")
            for i in range(args.files - 1):
                z.writestr(f"assets/f{i}.js", f"// file {i}\n" + "let x = 1;\n" * 1000)
        bundle = buf.getvalue()
        unpacked = sum(len(f"// file {i}\n") + 11000 for i in range(args.files - 1))

        t = time.perf_counter()
        status, raw = call(conn, "POST", f"/api/dbs/{db}/apps?name=bench", bundle, token,
                           "application/zip")
        upload_s = time.perf_counter() - t
        assert status == 201, raw
        app = json.loads(raw)["id"]
        t = time.perf_counter()
        with zipfile.ZipFile(io.BytesIO(bundle)) as z:
            z.extractall(os.path.join(tmp, "extract"))
        extract_s = time.perf_counter() - t

        status_rps = rate(conn, "/api/status", args.requests)
        open_rps = rate(conn, f"/dbs/{db}/apps/{app}", args.requests, token)
        _, raw = call(conn, "GET", f"/dbs/{db}/apps/{app}", token=token)
        base = raw.decode().split('<base href="')[1].split('"')[0]
        file_rps = rate(conn, base + "assets/f0.js", args.requests)

        print(f"upload: {args.files} files, {len(bundle) / 1e6:.2f} MB zip, "
              f"{unpacked / 1e6:.1f} MB unpacked: {upload_s * 1000:.0f} ms "
              f"(python zipfile extractall: {extract_s * 1000:.0f} ms, ratio "
              f"{upload_s / extract_s:.2f})")
        print(f"GET /api/status: {status_rps:.0f} req/s (one connection)")
        print(f"open the app (session minted): {open_rps:.0f} req/s, ratio "
              f"{open_rps / status_rps:.2f}")
        print(f"GET an 11 KB app file by asset key: {file_rps:.0f} req/s, ratio "
              f"{file_rps / status_rps:.2f}")
    finally:
        conn.close()
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
