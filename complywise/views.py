from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .selectors import memberships_for_user
from .tenancy import SESSION_TENANT_KEY


@login_required
def home(request):
    return render(request, "home.html")


@login_required
@require_POST
def tenant_switch(request):
    tenant_id = request.POST.get("tenant_id", "")
    if not memberships_for_user(user=request.user).filter(tenant_id=tenant_id).exists():
        return HttpResponseBadRequest("You are not a member of that tenant.")
    request.session[SESSION_TENANT_KEY] = tenant_id
    return redirect(request.POST.get("next") or "home")
