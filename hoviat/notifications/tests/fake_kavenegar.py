"""A local stand-in for Kavenegar's REST API: tests never reach the network."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeKavenegar:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.send_status = 200  # Kavenegar's `return.status`
        self.fail_http = False
        self.delivery_status: dict[str, int] = {}
        self._next_id = 1000
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                params = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                fake.requests.append((self.path, params))
                if fake.fail_http:
                    self.send_response(502)
                    self.end_headers()
                    return
                body = fake.answer(self.path, params)
                raw = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(200 if body["return"]["status"] == 200 else 400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str, params: dict[str, str]) -> dict:
        if path.endswith("/sms/send.json"):
            if self.send_status != 200:
                return {
                    "return": {"status": self.send_status, "message": "نامعتبر"},
                    "entries": None,
                }
            self._next_id += 1
            return {
                "return": {"status": 200, "message": "تایید شد"},
                "entries": [
                    {
                        "messageid": self._next_id,
                        "status": 1,
                        "statustext": "در صف ارسال",
                        "receptor": params["receptor"],
                        "message": params["message"],
                    }
                ],
            }
        if path.endswith("/sms/status.json"):
            ids = params["messageid"].split(",")
            return {
                "return": {"status": 200, "message": "تایید شد"},
                "entries": [
                    {
                        "messageid": int(i),
                        "status": self.delivery_status.get(i, 4),
                        "statustext": "وضعیت",
                    }
                    for i in ids
                ],
            }
        return {"return": {"status": 404, "message": "not found"}, "entries": None}

    def __enter__(self) -> FakeKavenegar:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
