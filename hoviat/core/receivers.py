"""Core's receivers on its own User model: a changed password or a deactivation ends API access.

Every path that changes a password (the admin's form, `changepassword`, the demo builder, a
future self-service page) saves the user; catching it here means none of them can forget.
"""

from __future__ import annotations

from typing import Any

from hoviat.core.models import User
from hoviat.core.services import staff_tokens_revoke


def user_tokens_revoke_on_change(sender: type[User], instance: User, **kwargs: Any) -> None:
    """pre_save: revoke the user's tokens when the password changes or the account is closed."""
    if instance.pk is None or kwargs.get("raw"):
        return
    # set_password() keeps the new raw password in _password until the save.
    if getattr(instance, "_password", None) is not None:
        staff_tokens_revoke(user=instance, reason="password_changed")
    elif not instance.is_active and User.objects.filter(pk=instance.pk, is_active=True).exists():
        staff_tokens_revoke(user=instance, reason="deactivated")
