"""The one botocore data loader of a process.

Parsing botocore's model files (a service's API, the endpoint data) is a large part of building a client and of
asking which regions offer a service; the models of EC2 alone take tens of MiB once parsed. Every botocore session
the AWS integration makes uses this loader, so each file is parsed once per process and every scan reuses it.
"""

from __future__ import annotations

from botocore.loaders import Loader, create_loader

SHARED_LOADER: Loader = create_loader()
