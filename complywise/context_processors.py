from . import rls
from .selectors import memberships_for_user
from .tenancy import resolve_membership


def tenancy(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None) or resolve_membership(request)
    # The tenant switcher lists the user's tenants, all of them: read now, under the lookup's own scope.
    with rls.system_scope(reason="tenant switcher"):
        user_memberships = list(memberships_for_user(user=user))
    return {
        "current_membership": membership,
        "current_tenant": membership.tenant if membership else None,
        "user_memberships": user_memberships,
    }
