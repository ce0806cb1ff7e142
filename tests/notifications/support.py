"""A loopback webhook receiver (pytest-httpserver) that records what it got and verifies signatures itself."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

PATH = "/hooks/complywise"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    def signed_by(self, secret: str) -> bool:
        """The receiver's own check, written from the documented scheme (never our code)."""
        timestamp = self.headers["X-Complywise-Timestamp"]
        expected = hmac.new(secret.encode(), timestamp.encode() + b"." + self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers["X-Complywise-Signature"], f"v1={expected}")


@dataclass
class Receiver:
    server: HTTPServer
    # Status codes to answer, in order; 200 once they run out.
    script: deque[int] = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url_for(PATH)

    def answer(self, *codes: int) -> None:
        self.script.extend(codes)

    def handle(self, request: Request) -> Response:
        self.received.append(Received(dict(request.headers), request.get_data()))
        status = self.script.popleft() if self.script else 200
        return Response("ok" if status < 300 else "nope", status=status)

    def of_type(self, event_type: str) -> list[Received]:
        return [r for r in self.received if r.headers.get("X-Complywise-Event") == event_type]


def receiver_on(server: HTTPServer) -> Receiver:
    receiver = Receiver(server)
    server.expect_request(PATH, method="POST").respond_with_handler(receiver.handle)
    return receiver
