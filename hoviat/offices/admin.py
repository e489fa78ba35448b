from django.contrib import admin

from hoviat.offices.models import Holiday, Office, OfficeClosure


class OfficeClosureInline(admin.TabularInline):
    model = OfficeClosure
    extra = 0


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "city", "capacity_per_slot", "hands_over_cards",
                    "is_active")
    list_filter = ("kind", "city__province", "hands_over_cards", "is_active")
    search_fields = ("name", "code", "city__name_fa")
    autocomplete_fields = ("city",)
    inlines = [OfficeClosureInline]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "title")
    search_fields = ("title",)
