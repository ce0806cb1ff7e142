from django.urls import include, path

from . import views

urlpatterns = [
    path("tenant/switch", views.tenant_switch, name="tenant-switch"),
    path("", include("web.urls")),
]
