from django.utils.functional import SimpleLazyObject

from hoviat.core import permissions
from hoviat.core.hooks import Hook
from hoviat.core.jalali import today_local

staff_menu_flags = Hook(
    "staff_menu_flags",
    "more of the site menu's flags for this member of staff (user=User) → dict[str, bool] "
    "(a later app whose staff are told apart by its own posts: citizenship)",
)


def today(request):
    return {"today": today_local()}


def roles(request):
    """What the signed-in user may open, for the navigation (asked of core.permissions)."""

    def decide() -> dict[str, bool]:
        user = getattr(request, "user", None)
        national = permissions.is_national_admin(user)
        flags: dict[str, bool] = {}
        if permissions.is_signed_in(user):
            for more in staff_menu_flags.call(user=user):
                flags.update(more)
        return {
            **flags,
            "national_admin": national,
            "reports": national or permissions.is_provincial_director(user),
            # Citizens' complaints: their office's, their province's, or all.
            "grievances": national
            or permissions.is_provincial_director(user)
            or permissions.is_office_operator(user),
        }

    return {"roles": SimpleLazyObject(decide)}
