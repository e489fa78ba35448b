from django.contrib import admin

from hoviat.notifications.models import SmsMessage


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "to", "kind", "status", "attempts", "last_error")
    list_filter = ("status", "kind")
    search_fields = ("to", "provider_message_id", "object_id")
    readonly_fields = [f.name for f in SmsMessage._meta.fields]

    def has_add_permission(self, request):
        return False
