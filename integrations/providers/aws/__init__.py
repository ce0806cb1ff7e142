"""AWS provider: a read-only boto3 connector (``client``) and its checks (``checks``)."""
