"""The staff roles, decided once: every access check asks here.

`access_<thing>_for` selectors, the pages' decorators, the API's helpers and the templates
(through `context_processors.roles`) call these predicates instead of reading `user.role`.
Two rules are kept here and nowhere else: a user who is not signed in or is inactive holds
no role at all, and a superuser counts as a national admin (and as nothing more).
"""

from __future__ import annotations

from typing import Any

from hoviat.core.models import Role

__all__ = [
    "director_province",
    "is_director_of",
    "is_national_admin",
    "is_office_operator",
    "is_operator_of",
    "is_production_operator",
    "is_provincial_director",
    "is_signed_in",
    "operator_office",
]


def is_signed_in(user: Any) -> bool:
    """A signed-in, active user. A deactivated account may still hold a session or a token
    minted before: it counts as nobody, whatever its role says."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def _role(user: Any) -> str | None:
    return user.role if is_signed_in(user) else None


def is_national_admin(user: Any) -> bool:
    """An active national admin, or an active superuser."""
    return is_signed_in(user) and bool(user.is_superuser or user.role == Role.NATIONAL_ADMIN)


def director_province(user: Any) -> int | None:
    """The id of the province an active provincial director runs; None for anyone else."""
    if _role(user) == Role.PROVINCIAL_DIRECTOR:
        return user.province_id
    return None


def is_provincial_director(user: Any) -> bool:
    return director_province(user) is not None


def is_director_of(user: Any, province_id: int | None) -> bool:
    """Whether the user is the active director of this very province."""
    return province_id is not None and director_province(user) == province_id


def operator_office(user: Any) -> int | None:
    """The id of the office an active office operator works at; None for anyone else."""
    if _role(user) == Role.OFFICE_OPERATOR:
        return user.office_id
    return None


def is_office_operator(user: Any) -> bool:
    return operator_office(user) is not None


def is_operator_of(user: Any, office_id: int | None) -> bool:
    """Whether the user is an active operator of this very office."""
    return office_id is not None and operator_office(user) == office_id


def is_production_operator(user: Any) -> bool:
    """An active production operator (national admins are not, though they may see production)."""
    return _role(user) == Role.PRODUCTION_OPERATOR
