"""IAM checks: root user, password policy, users, policies, certificates, Access Analyzer.

Importing this package registers them; the modules only split the checks by subject.
"""

from . import account, admin, escalation, policies, service_admin, trust, users

__all__ = ["account", "admin", "escalation", "policies", "service_admin", "trust", "users"]
