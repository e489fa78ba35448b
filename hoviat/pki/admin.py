from django.contrib import admin

from hoviat.pki.models import (
    CertificateAuthority,
    EmulatedChip,
    IssuedCertificate,
    ReceiptSigningKey,
    RevocationList,
)


@admin.register(ReceiptSigningKey)
class ReceiptSigningKeyAdmin(admin.ModelAdmin):
    # Keys change only through services (`hoviat pki ...`), which audit every change.
    list_display = ("kid", "active_from", "signs_until", "retired_at")
    readonly_fields = (
        "kid",
        "public_key_pem",
        "created_at",
        "active_from",
        "signs_until",
        "retired_at",
        "retired_reason",
    )
    exclude = ("private_key_pem",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnly(admin.ModelAdmin):
    # CAs, chips and certificates change only through services, which audit every change.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CertificateAuthority)
class CertificateAuthorityAdmin(_ReadOnly):
    list_display = ("subject", "kind", "serial", "not_before", "not_after", "revoked_at")
    exclude = ("key_pem",)


@admin.register(IssuedCertificate)
class IssuedCertificateAdmin(_ReadOnly):
    list_display = ("serial", "kind", "csn", "status", "not_after", "revoked_at")
    list_filter = ("kind", "status")
    search_fields = ("serial", "csn")
    exclude = ("der",)


@admin.register(EmulatedChip)
class EmulatedChipAdmin(_ReadOnly):
    list_display = ("csn", "crn", "issued_on", "expires_on", "id_pin_tries", "puk_tries")
    search_fields = ("csn", "crn", "national_code")
    fields = (
        "csn",
        "crn",
        "national_code",
        "id_pin_tries",
        "sign_pin_tries",
        "nmoc_pin_tries",
        "puk_tries",
        "issued_on",
        "expires_on",
        "created_at",
    )


@admin.register(RevocationList)
class RevocationListAdmin(_ReadOnly):
    list_display = ("number", "issuer", "this_update", "next_update", "revoked_count")
    exclude = ("der",)
