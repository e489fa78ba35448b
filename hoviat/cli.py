"""The `hoviat` command: Django's management commands under the project's name.

Commands are spelled with hyphens on the command line (`hoviat verify-audit`) and with
underscores as Python modules (verify_audit.py); both spellings work, and `hoviat help` lists
them as they are typed.
"""

import os
import sys

from django.core.management import ManagementUtility


def _typed(name: str) -> str:
    return name.replace("_", "-")


class HoviatUtility(ManagementUtility):
    def fetch_command(self, subcommand: str):
        return super().fetch_command(subcommand.replace("-", "_"))

    def main_help_text(self, commands_only: bool = False) -> str:
        text = super().main_help_text(commands_only)
        if commands_only:
            return "\n".join(_typed(name) for name in text.splitlines())
        # Command names are the only lines indented by four spaces.
        return "\n".join(
            _typed(line) if line.startswith("    ") else line for line in text.splitlines()
        )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hoviat.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018  (reads the settings: a bad variable stops here)
    except ImproperlyConfigured as error:
        sys.exit(f"hoviat: {error}")
    HoviatUtility(["hoviat", *sys.argv[1:]]).execute()


if __name__ == "__main__":
    main()
