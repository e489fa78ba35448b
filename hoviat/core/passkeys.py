"""Staff passkeys (django-otp-webauthn): a second factor beside the authenticator app.

The library's views, under /accounts/passkeys/, with two changes: every ceremony is audited
like the authenticator's codes, and none of them works for someone who is not signed in with
a password (passwordless sign-in is off in settings; registering needs a session anyway).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions, views

from hoviat.core.audit import audit_record
from hoviat.core.permissions import is_signed_in


class _SignedInStaffOnly:
    """Refuses a ceremony to anyone without a (password) session, before the library looks."""

    request: Any

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        if not is_signed_in(request.user):
            raise exceptions.NotAuthenticated()
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


class PasskeyRegistrationBegin(_SignedInStaffOnly, views.BeginCredentialRegistrationView):
    pass


class PasskeyRegistrationComplete(_SignedInStaffOnly, views.CompleteCredentialRegistrationView):
    def post(self, *args: Any, **kwargs: Any) -> Any:
        response = super().post(*args, **kwargs)
        audit_record(
            actor=self.request.user,
            action="auth.second_factor.enrolled",
            obj=self.request.user,
            data={"device": "WebAuthnCredential"},
        )
        return response


class PasskeyAuthenticationBegin(_SignedInStaffOnly, views.BeginCredentialAuthenticationView):
    pass


class PasskeyAuthenticationComplete(_SignedInStaffOnly, views.CompleteCredentialAuthenticationView):
    def complete_auth(self, device: Any) -> Any:
        super().complete_auth(device)
        audit_record(
            actor=self.request.user,
            action="auth.second_factor.passed",
            obj=self.request.user,
            data={"device": "WebAuthnCredential"},
        )


# The library's template tags reverse these names, so the namespace is the library's own.
app_name = "otp_webauthn"
urlpatterns = [
    path(
        "registration/begin/",
        PasskeyRegistrationBegin.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        PasskeyRegistrationComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        PasskeyAuthenticationBegin.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        PasskeyAuthenticationComplete.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
