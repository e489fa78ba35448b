from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from hoviat.core.models import AuditEntry, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "get_full_name", "role", "province", "office", "is_active")
    list_filter = ("role", "province", "is_active")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("نقش و حوزه", {"fields": ("role", "province", "office")}),
    )
    add_fieldsets = (
        *(BaseUserAdmin.add_fieldsets or ()),
        ("نقش و حوزه", {"fields": ("role", "province", "office")}),
    )
    autocomplete_fields = ("office",)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only; the chain would expose any edit anyway."""

    list_display = (
        "id",
        "at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "from_state",
        "to_state",
    )
    list_filter = ("action", "object_type", "actor_kind")
    search_fields = ("object_id", "actor_label", "action")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
