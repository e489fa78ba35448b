from django import forms
from django.contrib import admin

from hoviat.core.jalali import today_local
from hoviat.offices.models import Holiday, Office, OfficeClosure
from hoviat.offices.services import office_closure_add


class OfficeClosureForm(forms.ModelForm):
    class Meta:
        model = OfficeClosure
        fields = ("date", "reason")

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date < today_local():
            raise forms.ValidationError("روزی که گذشته است را نمی‌توان تعطیل کرد.")
        return date


class OfficeClosureInline(admin.TabularInline):
    """Closures are only added here, through the service, so each one is audited."""

    model = OfficeClosure
    form = OfficeClosureForm
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "kind",
        "city",
        "capacity_per_slot",
        "hands_over_cards",
        "always_open",
        "is_active",
    )
    list_filter = ("kind", "city__province", "hands_over_cards", "always_open", "is_active")
    search_fields = ("name", "code", "city__name_fa")
    autocomplete_fields = ("city",)
    inlines = [OfficeClosureInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not OfficeClosure:
            return super().save_formset(request, form, formset, change)
        for closure in formset.save(commit=False):
            office_closure_add(
                actor=request.user, office=form.instance, date=closure.date, reason=closure.reason
            )
        return None


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "title")
    search_fields = ("title",)
