from django.utils.functional import SimpleLazyObject

from hoviat.core import permissions
from hoviat.core.jalali import today_local


def today(request):
    return {"today": today_local()}


def roles(request):
    """What the signed-in user may open, for the navigation (asked of core.permissions)."""

    def decide() -> dict[str, bool]:
        user = getattr(request, "user", None)
        national = permissions.is_national_admin(user)
        return {
            "national_admin": national,
            "reports": national or permissions.is_provincial_director(user),
            # Citizens' complaints: their office's, their province's, or all.
            "grievances": national
            or permissions.is_provincial_director(user)
            or permissions.is_office_operator(user),
        }

    return {"roles": SimpleLazyObject(decide)}
