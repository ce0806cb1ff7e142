from django.urls import path

from .views import (
    audit,
    checks,
    controls,
    dashboard,
    evidence,
    frameworks,
    integrations,
    notifications,
    reports,
    reviews,
    scans,
    tenant_settings,
)

app_name = "web"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    # scans
    path("scans/", scans.scan_list, name="scan-list"),
    path("scans/run/", scans.scan_run, name="scan-run"),
    path("scans/<uuid:pk>/", scans.scan_detail, name="scan-detail"),
    path("scans/<uuid:pk>/progress/", scans.scan_progress, name="scan-progress"),
    path("scans/<uuid:pk>/results.csv", scans.scan_results_csv, name="scan-results-csv"),
    path("scans/<uuid:pk>/cancel/", scans.scan_cancel_view, name="scan-cancel"),
    path("scans/<uuid:pk>/report/<uuid:framework_pk>/", reports.scan_report_page, name="scan-report"),
    path("scans/<uuid:pk>/report/<uuid:framework_pk>.pdf", reports.scan_report_pdf_download, name="scan-report-pdf"),
    # controls and evidence
    path("controls/<uuid:pk>/", controls.control_detail, name="control-detail"),
    path("controls/<uuid:pk>/applicability/", controls.control_applicability, name="control-applicability"),
    path("controls/<uuid:pk>/evidence/", controls.control_evidence_upload, name="control-evidence-upload"),
    path(
        "controls/<uuid:pk>/evidence-requirement/",
        controls.control_evidence_requirement,
        name="control-evidence-requirement",
    ),
    path(
        "controls/<uuid:pk>/evidence-requirement/delete/",
        controls.control_evidence_requirement_remove,
        name="control-evidence-requirement-delete",
    ),
    path("evidence/", evidence.evidence_list, name="evidence-list"),
    path("evidence/export/", evidence.evidence_export, name="evidence-export"),
    path("evidence/<uuid:pk>/verify/", evidence.evidence_verify_view, name="evidence-verify"),
    path("evidence/<uuid:pk>/delete/", evidence.evidence_delete_view, name="evidence-delete"),
    # access reviews
    path("reviews/", reviews.review_list, name="review-list"),
    path("reviews/new/", reviews.review_new, name="review-new"),
    path("reviews/<uuid:pk>/", reviews.review_detail, name="review-detail"),
    path("reviews/<uuid:pk>/decide/", reviews.review_decide, name="review-decide"),
    path("reviews/<uuid:pk>/complete/", reviews.review_complete, name="review-complete"),
    path("reviews/<uuid:pk>/cancel/", reviews.review_cancel, name="review-cancel"),
    # frameworks and checks
    path("frameworks/", frameworks.framework_list, name="framework-list"),
    path("checks/", checks.check_list, name="check-list"),
    path("frameworks/<uuid:pk>/", frameworks.framework_detail, name="framework-detail"),
    path("frameworks/<uuid:pk>/soa/", frameworks.framework_soa_page, name="framework-soa"),
    path("frameworks/<uuid:pk>/activation/", frameworks.framework_activation, name="framework-activation"),
    path(
        "frameworks/<uuid:pk>/require-documents/",
        frameworks.framework_require_documents,
        name="framework-require-documents",
    ),
    # integrations (admins)
    path("integrations/", integrations.integration_list, name="integration-list"),
    path("integrations/new/", integrations.integration_new, name="integration-new"),
    path("integrations/<uuid:pk>/edit/", integrations.integration_edit, name="integration-edit"),
    path("integrations/<uuid:pk>/delete/", integrations.integration_delete_view, name="integration-delete"),
    path("integrations/<uuid:pk>/test/", integrations.integration_test_view, name="integration-test"),
    # settings (admins)
    path("settings/", tenant_settings.settings_index, name="settings"),
    # audit log (admins and auditors)
    path("settings/audit-log/", audit.audit_log, name="audit-log"),
    path("settings/retention/", tenant_settings.retention_update, name="settings-retention"),
    path("settings/security/", tenant_settings.require_mfa_update, name="settings-require-mfa"),
    path("settings/schedules/", tenant_settings.schedule_create_view, name="settings-schedule-create"),
    path("settings/schedules/<uuid:pk>/delete/", tenant_settings.schedule_delete_view, name="settings-schedule-delete"),
    path("settings/schedules/<uuid:pk>/toggle/", tenant_settings.schedule_toggle_view, name="settings-schedule-toggle"),
    path("settings/members/<uuid:pk>/role/", tenant_settings.member_role, name="settings-member-role"),
    path("settings/members/<uuid:pk>/remove/", tenant_settings.member_remove, name="settings-member-remove"),
    path("settings/invitations/", tenant_settings.invitation_create_view, name="settings-invitation-create"),
    path("settings/invitations/created/", tenant_settings.invitation_created, name="settings-invitation-created"),
    path(
        "settings/invitations/<uuid:pk>/revoke/",
        tenant_settings.invitation_revoke_view,
        name="settings-invitation-revoke",
    ),
    path("settings/tokens/", tenant_settings.token_create, name="settings-token-create"),
    path("settings/tokens/created/", tenant_settings.token_created, name="settings-token-created"),
    path("settings/tokens/<uuid:pk>/revoke/", tenant_settings.token_revoke, name="settings-token-revoke"),
    path("settings/notifications/", notifications.notifications_index, name="settings-notifications"),
    path("settings/webhooks/", notifications.webhook_create_view, name="settings-webhook-create"),
    path("settings/webhooks/created/", notifications.webhook_created, name="settings-webhook-created"),
    path("settings/webhooks/<uuid:pk>/", notifications.webhook_detail, name="settings-webhook"),
    path("settings/webhooks/<uuid:pk>/ping/", notifications.webhook_ping_view, name="settings-webhook-ping"),
    path("settings/webhooks/<uuid:pk>/toggle/", notifications.webhook_toggle_view, name="settings-webhook-toggle"),
    path("settings/webhooks/<uuid:pk>/delete/", notifications.webhook_delete_view, name="settings-webhook-delete"),
    path(
        "settings/webhooks/<uuid:webhook_pk>/deliveries/<uuid:pk>/redeliver/",
        notifications.delivery_redeliver_view,
        name="settings-delivery-redeliver",
    ),
    path("settings/digests/", notifications.digest_create_view, name="settings-digest-create"),
    path("settings/digests/<uuid:pk>/delete/", notifications.digest_delete_view, name="settings-digest-delete"),
]
