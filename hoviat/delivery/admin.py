from django.contrib import admin

from hoviat.delivery.models import (
    Collection,
    Destruction,
    Handover,
    HandoverAttempt,
    LossReport,
    PaperCardCutoff,
    ShipmentReceipt,
    ValidityExtension,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    # Receiving and hand-over write through their services (audited); the admin only looks.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ShipmentReceipt)
class ShipmentReceiptAdmin(ReadOnlyAdmin):
    list_display = ("shipment", "office", "received_at", "expected", "received", "received_by")
    list_filter = ("office",)


@admin.register(Collection)
class CollectionAdmin(ReadOnlyAdmin):
    list_display = (
        "card",
        "office",
        "arrived_at",
        "hold_until",
        "reminders_sent",
        "next_reminder_on",
        "collected_at",
        "voided_at",
    )
    list_filter = ("office",)
    search_fields = ("card__csn", "card__application__tracking_code")
    raw_id_fields = ("card", "last_sms")


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ("card", "office", "operator", "handed_over_at", "verification")
    list_filter = ("office", "verification")
    search_fields = ("card__csn", "application__tracking_code")


@admin.register(HandoverAttempt)
class HandoverAttemptAdmin(ReadOnlyAdmin):
    list_display = ("card", "operator", "at", "reason")
    list_filter = ("reason",)
    search_fields = ("card__csn",)


@admin.register(LossReport)
class LossReportAdmin(ReadOnlyAdmin):
    list_display = ("card", "kind", "channel", "reported_at", "replacement", "found_at")
    list_filter = ("kind", "channel")
    search_fields = ("card__csn",)
    raw_id_fields = ("card", "replacement")


@admin.register(Destruction)
class DestructionAdmin(ReadOnlyAdmin):
    list_display = ("card", "destroyed_at", "reason", "destroyed_by")
    search_fields = ("card__csn",)
    raw_id_fields = ("card",)


@admin.register(ValidityExtension)
class ValidityExtensionAdmin(ReadOnlyAdmin):
    # Recorded and withdrawn on /cards/policy/ (audited), shown here.
    list_display = ("expiring_before", "valid_until", "effective_from", "reference", "withdrawn_at")


@admin.register(PaperCardCutoff)
class PaperCardCutoffAdmin(ReadOnlyAdmin):
    list_display = ("accepted_until", "effective_from", "reference", "withdrawn_at")
