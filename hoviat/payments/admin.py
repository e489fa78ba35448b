from django.contrib import admin

from hoviat.payments.models import Payment, SandboxTransaction


class ReadOnlyAdmin(admin.ModelAdmin):
    # Statuses change only through the services (and the bank's pages), never by hand.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "application",
        "amount_rials",
        "status",
        "ref_id",
        "failure_reason",
    )
    list_filter = ("status", "gateway")
    search_fields = ("authority", "ref_id", "application__tracking_code")
    list_select_related = ("application",)


@admin.register(SandboxTransaction)
class SandboxTransactionAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "authority", "amount_rials", "status", "verified", "ref_id")
    list_filter = ("status", "verified")
    search_fields = ("authority", "ref_id")
