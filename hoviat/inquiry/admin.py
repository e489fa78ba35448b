"""Admin pages for relying parties and their keys. Every change goes through a service, so it
is audited; a new key is shown once, in the message after saving, and never again."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from hoviat.core.errors import DomainError
from hoviat.inquiry import services
from hoviat.inquiry.models import ApiKey, InquiryLog, InquirySigningKey, LogSeal, Partner
from hoviat.inquiry.reasons import ATTRIBUTES, SCOPES


class PartnerForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label="دامنه‌های مجاز",
        choices=list(SCOPES.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    attributes = forms.MultipleChoiceField(
        label="ویژگی‌های قابل مشاهده",
        choices=list(ATTRIBUTES.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    allowed_networks = forms.CharField(
        label="شبکه‌های مجاز (CIDR، هر سطر یکی؛ خالی: همه)",
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
        required=False,
    )

    class Meta:
        model = Partner
        fields = [
            "name",
            "scopes",
            "attributes",
            "rate_limit_per_minute",
            "daily_quota",
            "allowed_networks",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["allowed_networks"] = "\n".join(self.instance.allowed_networks)

    def clean_allowed_networks(self):
        text = self.cleaned_data.get("allowed_networks") or ""
        return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerForm
    list_display = ("name", "scopes", "rate_limit_per_minute", "daily_quota", "is_active")
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if change:
                saved = services.partner_update(partner_id=obj.pk, changes=data, actor=request.user)
            else:
                saved = services.partner_create(
                    name=data["name"],
                    scopes=data["scopes"],
                    attributes=data["attributes"],
                    rate_limit_per_minute=data["rate_limit_per_minute"],
                    daily_quota=data["daily_quota"],
                    networks=data["allowed_networks"],
                    actor=request.user,
                )
        except DomainError as exc:
            messages.error(request, exc.detail)
            raise
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["partner", "label", "expires_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    form = ApiKeyForm
    list_display = ("prefix", "partner", "label", "created_at", "expires_at", "revoked_at")
    list_filter = ("partner",)
    actions = ["revoke_keys", "rotate_keys"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "partner",
            "prefix",
            "label",
            "created_at",
            "expires_at",
            "revoked_at",
            "revoked_reason",
            "replaced_by",
        )

    def has_change_permission(self, request, obj=None):
        # Viewing only: a key changes through the actions (revoke, rotate), never by editing.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        raw, key = services.api_key_create(
            partner_id=form.cleaned_data["partner"].pk,
            label=form.cleaned_data.get("label") or "",
            expires_at=form.cleaned_data.get("expires_at"),
            actor=request.user,
        )
        obj.pk = key.pk
        messages.warning(
            request,
            format_html(
                "کلید تازه (فقط همین یک بار نشان داده می‌شود؛ آن را امن به سازمان بدهید): "
                '<code dir="ltr" data-testid="new-key">{}</code>',
                raw,
            ),
        )

    @admin.action(description="ابطال فوری کلیدهای انتخاب‌شده")
    def revoke_keys(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            services.api_key_revoke(key_id=key.pk, reason="revoked in admin", actor=request.user)
        messages.success(request, "کلیدها باطل شدند.")

    @admin.action(description="چرخش کلید (کلید قدیمی تا پایان همپوشانی کار می‌کند)")
    def rotate_keys(self, request, queryset):
        for key in queryset:
            try:
                raw, _successor = services.api_key_rotate(key_id=key.pk, actor=request.user)
            except DomainError as exc:
                messages.error(request, f"{key.prefix}: {exc.detail}")
                continue
            messages.warning(
                request,
                format_html(
                    'جانشین {} (فقط یک بار نشان داده می‌شود): <code dir="ltr">{}</code>',
                    key.prefix,
                    raw,
                ),
            )


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InquiryLog)
class InquiryLogAdmin(_ReadOnly):
    list_display = ("at", "partner", "endpoint", "purpose", "result", "reason_code")
    list_filter = ("endpoint", "result", "partner")


@admin.register(LogSeal)
class LogSealAdmin(_ReadOnly):
    list_display = ("first_id", "last_id", "count", "sealed_at", "audit_entry_id")


@admin.register(InquirySigningKey)
class InquirySigningKeyAdmin(_ReadOnly):
    list_display = ("kid", "active_from", "signs_until", "retired_at")
    exclude = ("private_key_pem",)
