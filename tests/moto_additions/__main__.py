"""``python -m tests.moto_additions [moto server options]``: moto's server with the additions installed."""

from __future__ import annotations

import sys

from moto.server import main

import tests.moto_additions  # noqa: F401 - installs the additions

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
