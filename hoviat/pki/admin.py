from django.contrib import admin

from hoviat.pki.models import ReceiptSigningKey


@admin.register(ReceiptSigningKey)
class ReceiptSigningKeyAdmin(admin.ModelAdmin):
    # Keys change only through services (`hoviat pki ...`), which audit every change.
    list_display = ("kid", "active_from", "signs_until", "retired_at")
    readonly_fields = ("kid", "public_key_pem", "created_at", "active_from", "signs_until",
                       "retired_at", "retired_reason")
    exclude = ("private_key_pem",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
