#!/usr/bin/python3
"""A real local SMTP server for the mail tests: Debian's aiosmtpd (python3-aiosmtpd), run by
the system Python (the test runner's Python may not see Debian's packages).

    /usr/bin/python3 smtp_sink.py --dir DIR [--starttls CERT KEY | --implicit CERT KEY]
                                  [--auth USER:PASSWORD]

Prints "listening PORT" once ready; each received mail is written to DIR/<n>.json as
{"mail_from", "rcpt_tos", "tls", "authenticated", "content"}. Stops on SIGTERM or stdin EOF.
"""

import argparse
import json
import os
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            # STARTTLS sets session.ssl; implicit TLS shows on the transport.
            "tls": session.ssl is not None or
                   server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(getattr(session, "authenticated", False)),
            "content": envelope.content.decode("utf-8", errors="replace"),
        }
        tmp = os.path.join(self.directory, f".{n}.tmp")
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(self.directory, f"{n}.json"))
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--implicit", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--auth")
    args = p.parse_args()

    kwargs = {}
    ssl_context = None
    if args.starttls or args.implicit:
        cert, key = args.starttls or args.implicit
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        if args.starttls:
            kwargs.update(tls_context=ctx, require_starttls=True)
        else:
            ssl_context = ctx
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword) and
                  auth_data.login.decode() == user and auth_data.password.decode() == password)
            return AuthResult(success=ok)
        kwargs.update(authenticator=authenticator, auth_required=True,
                      auth_require_tls=bool(args.starttls or args.implicit))

    port = free_port()
    controller = Controller(Sink(args.dir), hostname="127.0.0.1", port=port,
                            ssl_context=ssl_context, **kwargs)
    controller.start()
    print(f"listening {port}", flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin (or kills us)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
