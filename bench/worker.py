"""A Celery worker for the benchmarks, with an optional round-trip time added to every AWS call.

    python -m bench.worker [celery worker arguments]   (BENCH_LATENCY_MS=20 to add 20 ms per AWS call)

moto answers on loopback in microseconds and burns the CPU the workers need; AWS answers
over a network in tens of milliseconds and burns none of ours. The added wait makes the
benchmark's workers spend their time as they would against AWS, so what more workers buy
can be read without the fake provider's CPU in the way. Only this bench process is patched.
"""

from __future__ import annotations

import os
import sys
import time


def _add_latency(seconds: float) -> None:
    from botocore.endpoint import Endpoint

    send = Endpoint._send

    def delayed(self, request):  # type: ignore[no-untyped-def]
        time.sleep(seconds)
        return send(self, request)

    Endpoint._send = delayed  # type: ignore[method-assign]


if __name__ == "__main__":
    latency = float(os.environ.get("BENCH_LATENCY_MS") or 0)
    if latency:
        _add_latency(latency / 1000)
    from celery.bin.celery import main

    sys.argv = ["celery", "-A", "complywise", "worker", *sys.argv[1:]]
    sys.exit(main())
