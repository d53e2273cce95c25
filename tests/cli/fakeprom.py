#!/usr/bin/env python3
"""A loopback stand-in for Prometheus's instant-query API, for CLI tests.

    fakeprom.py PORTFILE ANSWERFILE

Listens on 127.0.0.1 (a port the kernel picks), writes the port to
PORTFILE and answers GET /api/v1/query from ANSWERFILE, read at every
request: a number (a one-sample vector of that value), "empty" (an empty
vector), "nan" (a sample whose value is NaN) or "error" (503 with a
Prometheus error body).  Each query asked is appended to ANSWERFILE.log,
with the Authorization header it came with, if any, on the line before.
"""
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path != "/api/v1/query":
            self.answer(404, {"status": "error", "errorType": "not_found", "error": "no such path"})
            return
        q = urllib.parse.parse_qs(url.query).get("query", [""])[0]
        with open(sys.argv[2] + ".log", "a") as f:
            if self.headers.get("Authorization"):
                f.write("auth: " + self.headers["Authorization"] + "\n")
            f.write(q + "\n")
        with open(sys.argv[2]) as f:
            want = f.read().strip()
        if want == "error":
            self.answer(503, {"status": "error", "errorType": "unavailable", "error": "test says no"})
            return
        result = []
        if want == "nan":
            result = [{"metric": {"flag": "x"}, "value": [1700000000, "NaN"]}]
        elif want != "empty":
            result = [{"metric": {"flag": "x"}, "value": [1700000000, want]}]
        self.answer(200, {"status": "success", "data": {"resultType": "vector", "result": result}})


def main():
    srv = HTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
