"""Read-only views for administrators: statuses change through services only, and the
biometric images themselves are never shown here (only their shape and hash)."""

from django.contrib import admin

from hoviat.enrolment.models import BiometricFile, Enrolment, Receipt


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = (
        "application",
        "office",
        "operator",
        "status",
        "walk_in",
        "started_at",
        "completed_at",
    )
    list_filter = ("status", "walk_in")
    search_fields = ("application__tracking_code", "application__citizen__national_code")
    list_select_related = ("application", "office", "operator")


@admin.register(BiometricFile)
class BiometricFileAdmin(ReadOnlyAdmin):
    list_display = (
        "enrolment",
        "kind",
        "position",
        "source",
        "content_type",
        "width",
        "height",
        "size",
        "captured_at",
    )
    list_filter = ("kind", "source")
    exclude = ("storage_name",)


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = (
        "receipt_number",
        "application",
        "office",
        "issued_at",
        "valid_until",
        "superseded_at",
    )
    search_fields = ("receipt_number", "application__tracking_code")
    exclude = ("qr_text",)
    list_select_related = ("application", "office")
