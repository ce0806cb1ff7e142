import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import rls
from .selectors import memberships_for_user
from .tenancy import SESSION_TENANT_KEY


@login_required
@require_POST
def tenant_switch(request):
    try:
        tenant_id = str(uuid.UUID(request.POST.get("tenant_id", "")))
    except ValueError:
        return HttpResponseBadRequest("Choose a tenant.")
    with rls.system_scope(reason="tenant switch"):
        is_member = memberships_for_user(user=request.user).filter(tenant_id=tenant_id).exists()
    if not is_member:
        return HttpResponseBadRequest("You are not a member of that tenant.")
    request.session[SESSION_TENANT_KEY] = tenant_id
    # Only back into this site: "next" comes from the form and must not become an open redirect.
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("web:dashboard")
