#!/usr/bin/env python3
"""A loopback router speaking the ficus router protocol v1, for CLI tests.

    v1router.py PORTFILE [--fail-echo]

Listens on 127.0.0.1 (a port the kernel picks), writes the port to PORTFILE
and serves until killed: GET /v1/flags, GET and PUT /v1/flags/<flag>, 409
for an older revision; tenant pins ("pins") are kept as they are put; a
flag's "compare" member is kept, and GET
/v1/flags/<flag>/shadow answers the compare counters of the file named by
$V1ROUTER_SHADOW (JSON; its "since" is the flag's), 404 without compare.  With --fail-echo every request is answered 500 with
a body that repeats the bearer token it was sent, as it is, upper-cased and
lower-cased (a hostile or careless router).
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

FLAGS = {}
FAIL_ECHO = "--fail-echo" in sys.argv


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, doc):
        body = (doc if isinstance(doc, str) else json.dumps(doc)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def echo(self):
        auth = self.headers.get("Authorization", "")
        tok = auth[len("Bearer "):] if auth.startswith("Bearer ") else auth
        self.answer(500, {"error": "bad token %s / %s / %s / %s" % (tok, tok.upper(), tok.lower(), auth)})

    def do_GET(self):
        if FAIL_ECHO:
            return self.echo()
        if self.path == "/v1/flags":
            return self.answer(200, {"flags": FLAGS})
        name = self.path[len("/v1/flags/"):]
        if self.path.startswith("/v1/flags/") and name.endswith("/shadow"):
            flag = FLAGS.get(name[:-len("/shadow")], {})
            if "compare" not in flag:
                return self.answer(404, {"error": "no shadow compare for this flag"})
            with open(os.environ["V1ROUTER_SHADOW"]) as f:
                text = f.read().replace("@SINCE@", str(flag["compare"]["since"]))
            return self.answer(200, text)
        if self.path.startswith("/v1/flags/") and name in FLAGS:
            return self.answer(200, FLAGS[name])
        return self.answer(404, {"error": "unknown flag"})

    def do_PUT(self):
        n = int(self.headers.get("Content-Length", "0"))
        doc = json.loads(self.rfile.read(n) or b"{}")
        if FAIL_ECHO:
            return self.echo()
        name = self.path[len("/v1/flags/"):]
        old = FLAGS.get(name)
        if old and old.get("rev", 0) > doc.get("rev", 0):
            return self.answer(409, old)
        FLAGS[name] = {"bp": doc.get("bp", 0), "shadow": doc.get("shadow", False), "rev": doc.get("rev", 0)}
        if doc.get("pins"):  # tenant pins, kept as they came
            FLAGS[name]["pins"] = doc["pins"]
        if "compare" in doc:
            FLAGS[name]["compare"] = doc["compare"]
        return self.answer(200, FLAGS[name])


server = HTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))

os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
