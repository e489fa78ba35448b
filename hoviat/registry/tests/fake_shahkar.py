"""A local stand-in for a Shahkar-like mobile-ownership service: tests never reach the net."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeShahkar:
    def __init__(self, owners: set[tuple[str, str]]) -> None:
        self.owners = owners
        self.requests: list[tuple[dict, str]] = []  # (body, Authorization header)
        self.status = 200
        self.body: bytes | None = None  # an answer to send instead of {"owner": …}
        self.delay = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                asked = json.loads(self.rfile.read(length).decode())
                fake.requests.append((asked, self.headers.get("Authorization", "")))
                time.sleep(fake.delay)
                raw = (
                    fake.body
                    or json.dumps(
                        {"owner": (asked["mobile"], asked["national_code"]) in fake.owners}
                    ).encode()
                )
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/ownership"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeShahkar:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
