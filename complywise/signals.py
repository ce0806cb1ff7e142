"""Events of the core that domain apps react to, so the core never imports them (see the layers in README)."""

from django.dispatch import Signal

# Sent inside the creating transaction with ``tenant``: e.g. frameworks activates the default frameworks.
tenant_created = Signal()
