"""GitHub provider: an organisation read through the REST API (github.com or GitHub Enterprise Server)."""
