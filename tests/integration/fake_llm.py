"""A local stand-in for an OpenAI-compatible chat-completions server (the one kind of outside
service the tests may replace): answers POST /v1/chat/completions streamed or not, or fails
the ways real ones do, as `mode` says; records every request it gets."""

import http.server
import json
import threading
import time


class FakeLLM:
    """A chat-completions server on a free port; `mode` and `answer` steer the next answers."""

    def __init__(self):
        self.mode = "json"
        self.answer = "```sql\nSELECT name FROM users\n```"
        self.requests = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def send(self, status, body, ctype="application/json"):
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                fake.requests.append({"path": self.path, "body": body,
                                      "authorization": self.headers.get("Authorization")})
                mode = fake.mode
                if self.path != "/v1/chat/completions":
                    return self.send(404, '{"error": {"message": "no such route"}}')
                if mode == "slow":
                    time.sleep(3)
                    return self.send(200, "{}")
                if mode == "429":
                    return self.send(429, '{"error": {"message": "Rate limit reached"}}')
                if mode == "error":
                    return self.send(200, '{"error": {"message": "model overloaded"}}')
                if mode == "not-completion":
                    return self.send(200, '{"object": "list", "data": []}')
                if mode == "garbage":
                    return self.send(200, "<html>oops</html>", "text/html")
                if mode == "huge":
                    return self.send(200, json.dumps({"choices": [
                        {"message": {"content": "x" * (2 * 1024 * 1024)}}]}))
                if mode == "stream" and body.get("stream"):
                    events = ""
                    text = fake.answer
                    for i in range(0, len(text), 7):
                        chunk = {"model": "fake-model-1", "choices": [
                            {"index": 0, "delta": {"content": text[i:i + 7]}}]}
                        events += "data: " + json.dumps(chunk) + "\n\n"
                    events += "data: [DONE]\n\n"
                    return self.send(200, events, "text/event-stream")
                return self.send(200, json.dumps({
                    "id": "chatcmpl-1", "object": "chat.completion", "model": "fake-model-1",
                    "choices": [{"index": 0, "message": {"role": "assistant",
                                                         "content": fake.answer},
                                 "finish_reason": "stop"}]}))

        class Quiet(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # airsql hangs up on slow or oversized answers: expected here

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
