"""Black-box test harness for airsql-server: a real server process, a raw HTTP client and a
few helpers (sign up, log in, create databases, run SQL) shared by the test_*.py modules.

Standard library only. The server binary comes from (first hit wins):
  - run.py's --server option (it sets the AIRSQL_SERVER environment variable),
  - the AIRSQL_SERVER environment variable,
  - build/server/airsql-server relative to the repository root.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import unittest
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def server_binary() -> str:
    path = os.environ.get("AIRSQL_SERVER") or str(REPO_ROOT / "build" / "server" / "airsql-server")
    if not os.access(path, os.X_OK):
        raise unittest.SkipTest(f"airsql-server binary not found or not executable: {path}")
    return path


def unique(prefix: str) -> str:
    """A name unique within this test process (usernames, team names, database names)."""
    return f"{prefix}{os.getpid() % 10000}x{next(_counter)}"


# ---------------------------------------------------------------------------------------------
# HTTP


class Response:
    """One HTTP response. `body` is the parsed JSON when the body is JSON, else the text."""

    def __init__(self, status: int, headers: http.client.HTTPMessage, raw: bytes, method: str,
                 path: str):
        self.status = status
        self.headers = headers
        self.raw = raw
        self.text = raw.decode("utf-8", errors="replace")
        self.method = method
        self.path = path
        self.json_error: str | None = None
        self.strict_json_error: str | None = None
        try:
            self.body = json.loads(self.text) if self.text else None
        except ValueError as e:
            self.body = self.text
            self.json_error = str(e)
        else:
            # Python accepts NaN/Infinity; JSON (RFC 8259) and browsers do not.
            try:
                json.loads(self.text, parse_constant=_reject_constant) if self.text else None
            except ValueError as e:
                self.strict_json_error = str(e)

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def header_all(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []

    def __iter__(self):  # allows `status, headers, body = client.request(...)`
        return iter((self.status, self.headers, self.body))

    def describe(self) -> str:
        text = self.text if len(self.text) < 2000 else self.text[:2000] + "…"
        return f"{self.method} {self.path} -> HTTP {self.status}\n{dict(self.headers)}\n{text}"

    def __repr__(self) -> str:
        return f"<Response {self.method} {self.path} {self.status}>"


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


class Client:
    """A small HTTP/1.1 client on http.client that never raises on 4xx/5xx."""

    def __init__(self, host: str, port: int, token: str | None = None, timeout: float = 30):
        self.host = host
        self.port = port
        self.token = token
        self.timeout = timeout

    def with_token(self, token: str | None) -> "Client":
        return Client(self.host, self.port, token, self.timeout)

    def request(self, method: str, path: str, body=None, *, token: str | None = ...,
                headers: dict | None = None, raw_body: bytes | str | None = None,
                timeout: float | None = None) -> Response:
        """`body` is encoded as JSON; `raw_body` is sent as is. `token=None` sends no
        Authorization header; the default uses the client's token."""
        hdrs = {}
        tok = self.token if token is ... else token
        if tok is not None:
            hdrs["Authorization"] = f"Bearer {tok}"
        data = None
        if raw_body is not None:
            data = raw_body.encode() if isinstance(raw_body, str) else raw_body
            hdrs["Content-Type"] = "application/json"
        elif body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if headers:
            hdrs.update(headers)
        conn = http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout if timeout is not None else self.timeout)
        try:
            try:
                conn.request(method, path, body=data, headers=hdrs)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered early (e.g. 413) and closed: read that answer
            res = conn.getresponse()
            raw = res.read()
            return Response(res.status, res.headers, raw, method, path)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def sql(self, db_id: str, query: str, **kw) -> Response:
        return self.post(f"/dbs/{db_id}/sql", {"query": query}, **kw)


def raw_exchange(host: str, port: int, payload: bytes, timeout: float = 5) -> bytes:
    """Sends raw bytes, returns everything the server sends until it closes or goes quiet."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        try:
            s.sendall(payload)
        except OSError:
            pass
        data = b""
        s.settimeout(timeout)
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data and _complete(data):
                    break
        except (socket.timeout, ConnectionResetError):
            pass
        return data


def send_large(host: str, port: int, head: bytes, body: bytes, timeout: float = 10) -> bytes:
    """Sends a request head, then its (large) body in pieces, stopping as soon as the server
    answers early. Returns what the server sent (empty when it closed without answering)."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(head)
        data = b""
        pos = 0
        try:
            while pos < len(body):
                readable, _, _ = select.select([s], [], [], 0)
                if readable:
                    break
                pos += s.send(body[pos:pos + 65536])
        except OSError:
            pass
        s.settimeout(timeout)
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if _complete(data):
                    break
        except (socket.timeout, ConnectionResetError):
            pass
        return data


def _complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
    return m is not None and len(body) >= int(m.group(1))


def parse_raw_response(data: bytes) -> tuple[int, dict, str]:
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0]) if lines else None
    if not m:
        raise AssertionError(f"not an HTTP response: {data[:300]!r}")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(m.group(1)), headers, body.decode("utf-8", errors="replace")


# ---------------------------------------------------------------------------------------------
# Server process


class Server:
    """Runs the real airsql-server on port 0 with a data directory (a fresh temporary one unless
    `data_dir` is given). Context manager; `stop()` sends SIGTERM and checks exit code 0."""

    def __init__(self, data_dir: str | os.PathLike | None = None, extra_args=(), host="127.0.0.1",
                 startup_timeout: float = 20, preexec_fn=None, rate_limits: bool = False):
        """`preexec_fn` runs in the child before exec (e.g. to set a resource limit).
        Rate limits of account actions are off unless `rate_limits` (tests sign up and log in
        many users from one address)."""
        self.binary = server_binary()
        self.preexec_fn = preexec_fn
        self._own_tmp = None
        if data_dir is None:
            self._own_tmp = tempfile.mkdtemp(prefix="airsql-it-")
            data_dir = os.path.join(self._own_tmp, "data")
        self.data_dir = str(data_dir)
        self.extra_args = list(extra_args) + ([] if rate_limits else ["--no-rate-limits"])
        self.host = host
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self._threads: list[threading.Thread] = []
        self.exit_code: int | None = None

    # -- lifecycle

    def start(self) -> "Server":
        cmd = [self.binary, "--port", "0", "--data-dir", self.data_dir, "--host", self.host,
               *self.extra_args]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, preexec_fn=self.preexec_fn)
        first_line = threading.Event()

        def drain(stream, sink, signal_first):
            for raw in iter(stream.readline, b""):
                sink.append(raw.decode("utf-8", errors="replace").rstrip("\n"))
                if signal_first:
                    first_line.set()
            stream.close()
            if signal_first:
                first_line.set()

        t_out = threading.Thread(target=drain, args=(self.proc.stdout, self.stdout_lines, True),
                                 daemon=True)
        t_err = threading.Thread(target=drain, args=(self.proc.stderr, self.stderr_lines, False),
                                 daemon=True)
        t_out.start()
        t_err.start()
        self._threads = [t_out, t_err]
        if not first_line.wait(self.startup_timeout) or not self.stdout_lines:
            self.kill()
            raise RuntimeError(f"airsql-server did not start: {cmd}\nstderr:\n" +
                               "\n".join(self.stderr_lines[-30:]))
        line = self.stdout_lines[0]
        m = re.fullmatch(r"listening on http://([^\s:]+):(\d+)", line.strip())
        if not m:
            self.kill()
            raise RuntimeError(f"unexpected first stdout line {line!r}; stderr:\n" +
                               "\n".join(self.stderr_lines[-30:]))
        self.port = int(m.group(2))
        return self

    def client(self, token: str | None = None) -> Client:
        return Client(self.host, self.port, token)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM; asserts a graceful exit with code 0 within `timeout` seconds."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.exit_code = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self._join()
                raise AssertionError(f"airsql-server did not exit within {timeout}s of SIGTERM;"
                                     " killed it. stderr tail:\n" + self.stderr_tail())
        else:
            self.exit_code = self.proc.returncode
        self._join()
        if self.exit_code != 0:
            raise AssertionError(f"airsql-server exited with {self.exit_code} (expected 0). "
                                 "stderr tail:\n" + self.stderr_tail())
        return self.exit_code

    def kill(self) -> None:
        """SIGKILL, no questions asked (crash simulation)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.exit_code = self.proc.returncode if self.proc else None
        self._join()

    def _join(self):
        for t in self._threads:
            t.join(5)

    def cleanup(self):
        if self._own_tmp:
            shutil.rmtree(self._own_tmp, ignore_errors=True)
            self._own_tmp = None

    def stderr_tail(self, n: int = 40) -> str:
        return "\n".join(self.stderr_lines[-n:])

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.stop()
            else:
                try:
                    self.stop()
                except AssertionError:
                    pass  # the original failure is more useful
        finally:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.cleanup()
        return False


# ---------------------------------------------------------------------------------------------
# Domain helpers


def sign_up(client: Client, username: str, password: str = DEFAULT_PASSWORD,
            email: str | None = None) -> Response:
    return client.post("/api/users", {"username": username,
                                      "email_address": email or f"{username}@example.org",
                                      "password": password}, token=None)


def login(client: Client, username: str, password: str = DEFAULT_PASSWORD) -> Response:
    return client.post("/api/login", {"username": username, "password": password}, token=None)


def new_user(client: Client, username: str | None = None,
             password: str = DEFAULT_PASSWORD) -> tuple[str, str]:
    """Signs up and logs in; returns (username, session token)."""
    username = username or unique("u")
    r = sign_up(client, username, password)
    if r.status != 201:
        raise AssertionError("sign-up failed: " + r.describe())
    r = login(client, username, password)
    if r.status != 200 or not isinstance(r.body, dict) or "sessionToken" not in r.body:
        raise AssertionError("login failed: " + r.describe())
    return username, r.body["sessionToken"]


def create_db(client: Client, token: str, team: str, name: str | None = None,
              query: str | None = None, expect: int = 201) -> Response:
    body = {"name": name or unique("db"), "team": team}
    if query is not None:
        body["query"] = query
    r = client.post("/api/dbs", body, token=token)
    if expect is not None and r.status != expect:
        raise AssertionError(f"create database: expected HTTP {expect}\n" + r.describe())
    return r


def new_db(client: Client, token: str, team: str, query: str | None = None,
           name: str | None = None) -> str:
    return create_db(client, token, team, name, query).body["id"]


def create_token(client: Client, admin_token: str, team: str, perms: list[tuple[str, str]],
                 name: str | None = None, expiration_utc: str | None = None) -> Response:
    return client.post("/api/tokens", {
        "name": name or unique("tok"), "description": "integration test",
        "expiration_utc": expiration_utc, "team_name": team,
        "permissions": [{"db_id": d, "name": p} for d, p in perms]}, token=admin_token)


def set_roles(client: Client, admin_token: str, team: str, username: str, roles: list[str]):
    return client.patch(f"/api/teams/{team}/members/{username}", {"roles": roles},
                        token=admin_token)


# ---------------------------------------------------------------------------------------------
# Assertions


class ServerTestCase(unittest.TestCase):
    """Base class with assertion helpers that print the whole response on mismatch."""

    maxDiff = 4000

    def assertStatus(self, res: Response, expected, msg: str = "") -> Response:
        ok = res.status in expected if isinstance(expected, (tuple, list, set)) else \
            res.status == expected
        if not ok:
            self.fail(f"{msg + ': ' if msg else ''}expected HTTP {expected}, got\n{res.describe()}")
        self.assertNo5xx(res)
        self.assertValidJson(res, msg)
        return res

    def assertValidJson(self, res: Response, msg: str = ""):
        """A JSON response must be valid JSON per RFC 8259 (no NaN/Infinity)."""
        if "json" in (res.header("Content-Type") or "") and res.text:
            problem = res.json_error or res.strict_json_error
            if problem:
                self.fail(f"{msg + ': ' if msg else ''}response is not valid JSON ({problem})\n"
                          + res.describe())

    def assertNo5xx(self, res: Response, msg: str = ""):
        if res.status >= 500:
            self.fail(f"{msg + ': ' if msg else ''}server error\n{res.describe()}")

    def assertJsonError(self, res: Response, status=None, code: str | None = None,
                        message_contains: str | None = None, msg: str = "") -> dict:
        """The response is `{"errors":[{"message":…,"code":…}]}` with a 4xx status."""
        prefix = f"{msg}: " if msg else ""
        if status is not None:
            self.assertStatus(res, status, msg)
        elif not 400 <= res.status < 500:
            self.fail(f"{prefix}expected a 4xx error, got\n{res.describe()}")
        ctype = res.header("Content-Type") or ""
        self.assertIn("application/json", ctype, f"{prefix}error is not JSON\n{res.describe()}")
        body = res.body
        if not (isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]
                and all(isinstance(e, dict) and isinstance(e.get("message"), str)
                        and isinstance(e.get("code"), str) for e in body["errors"])):
            self.fail(f"{prefix}error body is not {{\"errors\":[{{\"message\",\"code\"}}]}}\n"
                      + res.describe())
        err = body["errors"][0]
        if code is not None and err["code"] != code:
            self.fail(f"{prefix}expected error code {code!r}\n{res.describe()}")
        if message_contains is not None and message_contains.lower() not in err["message"].lower():
            self.fail(f"{prefix}expected the message to mention {message_contains!r}\n"
                      + res.describe())
        return err

    def assertSqlOk(self, res: Response, msg: str = "") -> dict:
        """HTTP 200 with an empty `errors` list."""
        self.assertStatus(res, 200, msg)
        body = res.body
        if not isinstance(body, dict) or body.get("errors") != []:
            self.fail(f"{msg + ': ' if msg else ''}expected no SQL errors\n{res.describe()}")
        return body

    def assertSqlError(self, res: Response, contains: str | tuple | None = None,
                       msg: str = "") -> str:
        """HTTP 200 with at least one error in `errors`, mentioning `contains` (any of them)."""
        self.assertStatus(res, 200, msg)
        body = res.body
        if not (isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]
                and isinstance(body["errors"][0], dict)
                and isinstance(body["errors"][0].get("message"), str)):
            self.fail(f"{msg + ': ' if msg else ''}expected an SQL error in `errors`\n"
                      + res.describe())
        message = body["errors"][0]["message"]
        if contains is not None:
            options = contains if isinstance(contains, tuple) else (contains,)
            if not any(c.lower() in message.lower() for c in options):
                self.fail(f"{msg + ': ' if msg else ''}expected the SQL error to mention one of "
                          f"{options}\n{res.describe()}")
        self.assertEqual(body.get("rows"), [], f"failed script must return no rows\n"
                         + res.describe())
        return message


class ServerModuleTest(ServerTestCase):
    """One server per test class (setUpClass), stopped gracefully in tearDownClass."""

    server_args: tuple = ()
    rate_limits: bool = False
    server: Server

    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=cls.server_args, rate_limits=cls.rate_limits).start()
        cls.client = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        server = cls.server
        try:
            server.stop()
        finally:
            if server.proc is not None and server.proc.poll() is None:
                server.kill()
            server.cleanup()
