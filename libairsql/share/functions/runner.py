# SPDX-License-Identifier: Apache-2.0
# airsql's Python runner: one call of a `runtime: "python"` function (or one check of a module
# on save), in a fresh python3 under bubblewrap (python_host.cpp). Trusted code, started as
# `python3 -I -B -c <this file>`.
#
# Channels: airsql writes lines on fd 3: a secret, then one request
#   {"t": "call", "module": source, "context": {...}, "limits": {...}}  or
#   {"t": "check", "module": source},
# then the answers to the helpers' requests. The runner answers on stdout with lines
# "\x1e<secret> <json>\n"; airsql ignores every other byte there. The user's code runs in this
# same interpreter: the secret keeps stray output out of the protocol, it is not a wall (the
# code could only forge what it may already say: its own answer and helper requests, which
# airsql runs with the caller's rights).

# Only what every call needs is imported here (a call waits for python3 to start when no spare
# sandbox is ready): asyncio (~60 ms) when the module names it, logging when the module (or
# asyncio) imports it, ast and traceback when they are needed.
import binascii
import builtins
import io
import json
import os
import sys
import time
import types

_proto_fd = os.dup(1)
_input = os.fdopen(3, "rb")
_secret = _input.readline().decode("ascii").strip()
# What airsql does not give is not there: no variables (python3 itself adds LC_CTYPE).
os.environ.clear()


def _send(message):
    data = ("\x1e" + _secret + " " + json.dumps(message, ensure_ascii=False) + "\n").encode(
        "utf-8", "surrogatepass"
    )
    view = memoryview(data)
    while view:
        written = os.write(_proto_fd, view)
        view = view[written:]


def _now():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


_limits = {}
_logs = []
_dropped = 0


def _log(message, stream):
    global _dropped
    if len(_logs) >= _limits.get("maxLogEntries", 100):
        _dropped += 1
        return
    max_len = _limits.get("maxLogEntryBytes", 4096)
    if len(message) > max_len:
        message = message[:max_len] + "…"
    _logs.append({"message": message, "stream": stream, "utc": _now()})


class _Capture(io.TextIOBase):
    """sys.stdout / sys.stderr of the function: one log entry per line."""

    def __init__(self, stream):
        self._stream = stream
        self._pending = ""

    def writable(self):
        return True

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError(f"write() argument must be str, not {type(s).__name__}")
        self._pending += s
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            _log(line, self._stream)
        if len(self._pending) > _limits.get("maxLogEntryBytes", 4096):
            _log(self._pending, self._stream)
            self._pending = ""
        return len(s)

    def flush(self):
        pass

    def finish(self):
        if self._pending:
            _log(self._pending, self._stream)
            self._pending = ""


def _capture_logging(logging):
    """The root logger writes to the call's log: INFO and up, WARNING and up as stderr."""

    class Handler(logging.Handler):
        def emit(self, record):
            try:
                stream = "stderr" if record.levelno >= logging.WARNING else "stdout"
                _log(self.format(record), stream)
            except Exception:
                pass

    root = logging.getLogger()
    root.handlers = []
    handler = Handler()
    handler.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


class _LoggingHook:
    """Configures `logging` right after whoever imports it first."""

    def find_spec(self, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec("logging")
        load = spec.loader.exec_module

        def exec_module(module):
            load(module)
            _capture_logging(module)

        spec.loader.exec_module = exec_module
        return spec


class Response:
    """A function's answer with its own status, headers and body:
    `Response(status=200, headers=None, body=None)`. A str body is sent as text, bytes as
    they are, anything else as JSON."""

    def __init__(self, status=200, headers=None, body=None):
        if not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599:
            raise ValueError("Response status must be an int from 200 to 599")
        self.status = status
        pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
        self.headers = []
        for name, value in pairs:
            if not isinstance(name, str) or not isinstance(value, str):
                raise TypeError("Response headers are str names and str values")
            self.headers.append([name.lower(), value])
        names = {n for n, _ in self.headers}
        if isinstance(body, bytes | bytearray):
            self.body = bytes(body)
        elif isinstance(body, str):
            self.body = body.encode("utf-8", "surrogatepass")
            if "content-type" not in names:
                self.headers.append(["content-type", "text/plain;charset=utf-8"])
        elif body is None:
            self.body = b""
        else:
            self.body = json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
            if "content-type" not in names:
                self.headers.append(["content-type", "application/json"])


_next_query = 0


def _ask(message):
    """A helper request to airsql; the answer comes back on fd 3."""
    global _next_query
    _next_query += 1
    q = _next_query
    _send({**message, "q": q})
    while True:
        line = _input.readline()
        if not line:
            raise RuntimeError("airsql closed the request channel")
        m = json.loads(line)
        if m.get("t") == "reply" and m.get("q") == q:
            if m.get("ok"):
                return m.get("value")
            raise RuntimeError(m.get("error") or "the request failed")


_FIELDS = ("functionId", "databaseId", "method", "headers", "data", "query", "env")


class Context:
    """The call's context: `context.method` (or `context["method"]`), `functionId`,
    `databaseId`, `headers`, `data`, `query`, `env`, and the helpers
    `await context.sql(query)` and `await context.graphql(query, variables)`."""

    def __init__(self, values):
        for name in _FIELDS:
            setattr(self, name, values.get(name))

    def __getitem__(self, name):
        if name not in _FIELDS:
            raise KeyError(name)
        return getattr(self, name)

    def get(self, name, default=None):
        return getattr(self, name) if name in _FIELDS else default

    async def sql(self, query):
        if not isinstance(query, str):
            raise TypeError("context.sql(query): query must be a str")
        return _ask({"t": "sql", "query": query})

    async def graphql(self, query, variables=None):
        if not isinstance(query, str):
            raise TypeError("context.graphql(query, variables): query must be a str")
        if variables is not None and not isinstance(variables, dict):
            raise TypeError("context.graphql(query, variables): variables must be a dict")
        return _ask({"t": "graphql", "query": query, "variables": variables or {}})


def _user_traceback(error):
    """The traceback from the first frame of the function's own module."""
    import traceback

    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != "main.py":
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb)).rstrip("\n")


def _error_text(error):
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _encode(result):
    max_bytes = _limits.get("maxResponseBytes", 10 * 1024 * 1024)
    if isinstance(result, Response):
        if len(result.body) > max_bytes:
            raise ValueError(f"the response body has {len(result.body)} bytes, more than {max_bytes}")
        return {
            "kind": "response",
            "status": result.status,
            "headers": result.headers,
            "body": binascii.b2a_base64(result.body, newline=False).decode("ascii"),
        }
    try:
        body = json.dumps(result, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise TypeError(f"the returned value is not JSON: {e}") from None
    if len(body) > max_bytes:
        raise ValueError(f"the returned value has {len(body)} characters as JSON, more than {max_bytes}")
    return {"kind": "json", "body": body}


async def _await(value):
    return await value


def _run_awaitable(value, source):
    """Runs the coroutine main returned: under asyncio when the module names it, else driven
    here (the helpers never suspend), which spares importing asyncio."""
    if "asyncio" in source:
        import asyncio

        return asyncio.run(_await(value))
    it = value.__await__()
    try:
        it.send(None)
    except StopIteration as done:
        return done.value
    it.close()
    raise RuntimeError("main awaited something that needs an event loop: import asyncio in the module")


def _call(request):
    global _limits
    _limits = request.get("limits") or {}
    out, err = _Capture("stdout"), _Capture("stderr")
    sys.stdout, sys.stderr = out, err
    if "logging" in sys.modules:
        _capture_logging(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, _LoggingHook())
    # `from airsql import Response` works; `Response` is also a global of the module.
    helpers = types.ModuleType("airsql")
    helpers.Response = Response
    helpers.Context = Context
    sys.modules["airsql"] = helpers
    outcome = {"ok": True}
    try:
        code = compile(request["module"], "main.py", "exec", dont_inherit=True)
        module = types.ModuleType("main")
        module.__dict__.update({"__builtins__": builtins, "__file__": "main.py", "Response": Response})
        sys.modules["main"] = module
        exec(code, module.__dict__)
        main = module.__dict__.get("main")
        if not callable(main):
            raise TypeError("the module has no main function: async def main(context): …")
        result = main(Context(request.get("context") or {}))
        if hasattr(type(result), "__await__"):
            result = _run_awaitable(result, request["module"])
        outcome["result"] = _encode(result)
    except MemoryError:
        outcome = {"ok": False, "kind": "out_of_memory",
                   "error": "the function ran out of memory (the address space limit)"}
    except BaseException as e:  # SystemExit and KeyboardInterrupt too: the call failed
        outcome = {"ok": False, "kind": "exception", "error": _error_text(e)[:2000]}
        try:
            _log(_user_traceback(e), "stderr")
        except BaseException:
            pass
    out.finish()
    err.finish()
    if _dropped > 0:
        _logs.append({"message": f"({_dropped} more log entries dropped)", "stream": "stderr", "utc": _now()})
    _send({"t": "done", "logs": _logs, **outcome})


def _defines_main(tree):
    import ast

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "main":
            return True
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "main" for t in node.targets):
            return True
        if isinstance(node, ast.ImportFrom | ast.Import) and any((a.asname or a.name) == "main" for a in node.names):
            return True
    return False


def _check(request):
    import ast

    diagnostics = []
    source = request["module"]
    try:
        # compile() finds what ast.parse does not ('return' outside a function, bad nonlocal…).
        compile(source, "main.py", "exec", dont_inherit=True)
        tree = ast.parse(source, "main.py")
        if not _defines_main(tree):
            diagnostics.append({"message": "the module defines no main function: async def main(context): …",
                                "line": 0, "column": 0, "syntax": False})
    except SyntaxError as e:
        diagnostics.append({"message": e.msg or "invalid syntax", "code": type(e).__name__,
                            "line": e.lineno or 0, "column": e.offset or 0, "syntax": True})
    except (ValueError, MemoryError, RecursionError) as e:
        diagnostics.append({"message": _error_text(e)[:2000], "line": 0, "column": 0, "syntax": True})
    _send({"t": "done", "ok": True, "result": {"diagnostics": diagnostics}, "logs": []})


def _main():
    _send({"t": "ready"})
    request = json.loads(_input.readline())
    if request.get("t") == "check":
        _check(request)
    else:
        _call(request)
    sys.stdout.flush()
    os._exit(0)  # no clean-up of what the function left (threads, handlers)


_main()
