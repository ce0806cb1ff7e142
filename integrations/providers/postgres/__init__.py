"""PostgreSQL provider: a read-only psycopg connector (``client``) and its checks (``checks``)."""
