"""The `hoviat` command: Django's management commands under the project's name.

Commands are spelled with hyphens on the command line (`hoviat verify-audit`) and with
underscores as Python modules (verify_audit.py); both spellings work.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hoviat.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (reads the settings: a bad variable stops here)
    except ImproperlyConfigured as error:
        sys.exit(f"hoviat: {error}")

    argv = sys.argv[1:]
    if argv and not argv[0].startswith("-"):
        argv[0] = argv[0].replace("-", "_")
    execute_from_command_line(["hoviat", *argv])


if __name__ == "__main__":
    main()
