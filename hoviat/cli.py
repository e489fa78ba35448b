"""The `hoviat` command: Django's management commands under the project's name.

Commands are spelled with hyphens on the command line (`hoviat verify-audit`) and with
underscores as Python modules (verify_audit.py); both spellings work, and `hoviat help` lists
them as they are typed.
"""

import os
import sys
from difflib import get_close_matches

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import ManagementUtility, get_commands


def _typed(name: str) -> str:
    return name.replace("_", "-")


class HoviatUtility(ManagementUtility):
    def fetch_command(self, subcommand: str):
        name = subcommand if subcommand.startswith("-") else subcommand.replace("-", "_")
        commands = get_commands()
        if name in commands:
            return super().fetch_command(name)
        settings.INSTALLED_APPS  # noqa: B018  (a bad setting is the real error: raise it)
        # Django's own message, with the names spelled as they are typed.
        sys.stderr.write(f"Unknown command: {subcommand!r}")
        if matches := get_close_matches(subcommand, [_typed(c) for c in commands]):
            sys.stderr.write(f". Did you mean {matches[0]}?")
        sys.stderr.write(f"\nType '{self.prog_name} help' for usage.\n")
        sys.exit(1)

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
    try:
        HoviatUtility(["hoviat", *sys.argv[1:]]).execute()
    except ImproperlyConfigured as error:
        # A bad HOVIAT_* variable stops the command with its one-line message, not a traceback.
        sys.exit(f"hoviat: {error}")


if __name__ == "__main__":
    main()
