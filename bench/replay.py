"""A recording fake AWS for the benchmarks: moto's own answers, each asked of moto once and replayed after.

    python -m bench.replay --upstream http://127.0.0.1:PORT --port PORT2

moto is one Python process: every call costs it a few milliseconds of CPU, on the same two cores the workers
need, so on this machine the fake provider, not the workers, sets the pace of a scan (AWS's CPU is not ours).
This server sits in front of moto. The first time it sees a request it forwards it and keeps the answer; the
same request again (same method, path and query, body, X-Amz-Target, and the region and service of the
signature's credential scope; the signature and its timestamp are left out) is answered from memory, at a
small fraction of moto's cost. A scan reads and never writes, so after one recording scan every later scan of
the same account is answered exactly as moto answered the first: the benchmark checks that the replayed
scans give the same outcome rows as the scans moto answered itself.

``GET /__replay__/stats`` answers ``{"hits": n, "misses": n, "entries": n}``; ``POST /__replay__/reset`` forgets
every kept answer (with moto's own reset: a new account).
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

STATS_PATH = "/__replay__/stats"
RESET_PATH = "/__replay__/reset"
# The region and service a request was signed for: the same path means different things in different regions.
CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,]+/[^/,]+/([^/,]+)/([^/,]+)/")
# Connection-level headers are the proxy's own business; the length is recomputed from the kept body.
HOP_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"})

Key = tuple[str, str, str, str, str, bytes]
Answer = tuple[int, list[tuple[str, str]], bytes]


class Recorder:
    """The kept answers, and a connection to moto per handler thread for the ones not kept yet."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.answers: dict[Key, Answer] = {}
        self.hits = self.misses = 0
        self.lock = threading.Lock()
        self.local = threading.local()

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        scope = CREDENTIAL_SCOPE.search(headers.get("authorization", ""))
        region, service = scope.groups() if scope else ("", "")
        key: Key = (method, path, region, service, headers.get("x-amz-target", ""), body)
        with self.lock:
            kept = self.answers.get(key)
            if kept is not None:
                self.hits += 1
                return kept
        fresh = self._forward(method, path, headers, body)
        with self.lock:
            self.misses += 1
            # Two threads asking the same thing at once both forward it; the first answer kept stands.
            return self.answers.setdefault(key, fresh)

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        for attempt in (1, 2):
            connection = getattr(self.local, "connection", None)
            if connection is None:
                connection = self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                sent = {k: v for k, v in headers.items() if k not in HOP_HEADERS and k != "host"}
                connection.request(method, path, body=body or None, headers=sent)
                response = connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError):
                connection.close()
                self.local.connection = None
                if attempt == 2:
                    raise
                continue
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_HEADERS]
            if method == "HEAD":
                # A HEAD answer has no body but says how long the GET's would be.
                kept += [(k, v) for k, v in response.getheaders() if k.lower() == "content-length"]
            return response.status, kept, data
        raise AssertionError("unreachable")

    def reset(self) -> None:
        with self.lock:
            self.answers.clear()
            self.hits = self.misses = 0

    def stats(self) -> dict[str, int]:
        with self.lock:
            return {"hits": self.hits, "misses": self.misses, "entries": len(self.answers)}


def handler_for(recorder: Recorder) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: botocore reuses its connections
        # Headers and body go out in two writes: without this the body waits for the client's delayed ACK.
        disable_nagle_algorithm = True

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.path in (STATS_PATH, RESET_PATH):
                if self.path == RESET_PATH and self.command == "POST":
                    recorder.reset()
                status, headers = 200, [("Content-Type", "application/json")]
                payload = json.dumps(recorder.stats()).encode()
            else:
                lowered = {k.lower(): v for k, v in self.headers.items()}
                try:
                    status, headers, payload = recorder.answer(self.command, self.path, lowered, body)
                except (http.client.HTTPException, OSError) as exc:
                    status, headers, payload = 502, [("Content-Type", "text/plain")], f"upstream: {exc}".encode()
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            if self.command != "HEAD":
                self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="moto's address, e.g. http://127.0.0.1:5000")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), handler_for(Recorder(args.upstream)))
    server.serve_forever()


if __name__ == "__main__":
    main()
