from django.contrib import admin

from hoviat.production.models import (
    Card,
    CardBodyLedger,
    CardBodyOrder,
    PersonalisationRun,
    ProductionSettings,
    Shipment,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    # Nothing writes a status except its service: the admin only looks.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Card)
class CardAdmin(ReadOnlyAdmin):
    list_display = ("csn", "crn", "status", "office", "issued_on", "run", "shipment")
    list_filter = ("status",)
    search_fields = ("csn", "crn")


@admin.register(CardBodyLedger)
class LedgerAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "lot", "quantity", "run", "actor")
    list_filter = ("kind",)


@admin.register(PersonalisationRun)
class RunAdmin(ReadOnlyAdmin):
    list_display = ("id", "date", "status", "requested", "personalised", "qc_failed")


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "office", "status", "created_at", "dispatched_at")


admin.site.register(ProductionSettings, ReadOnlyAdmin)


@admin.register(CardBodyOrder)
class CardBodyOrderAdmin(ReadOnlyAdmin):
    list_display = ("supplier_ref", "quantity", "expected_on", "status", "placed_at")
    list_filter = ("status",)
    search_fields = ("supplier_ref",)
