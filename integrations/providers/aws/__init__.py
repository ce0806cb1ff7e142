"""AWS provider: a read-only boto3 connector (``client``) running its ``collectors``, and its ``checks``."""
