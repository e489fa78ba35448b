"""`make lint`'s dead-code check: unused functions, methods, classes, properties, imports and
unreachable code, found by vulture with the settings in pyproject.toml ([tool.vulture]).

Unused variables and attributes are left out: in a Django project nearly all of them are read
by the framework or by templates (model fields, Meta options, settings, the fields of the
dataclasses pages show), never by name in Python, and a whitelist of hundreds of such names
would hide a real one as easily as it silenced the rest.
"""

import sys

from vulture import Vulture
from vulture.config import make_config

NOT_CHECKED = {"variable", "attribute"}


def main() -> int:
    config = make_config([])
    vulture = Vulture(
        ignore_names=config["ignore_names"], ignore_decorators=config["ignore_decorators"]
    )
    vulture.scavenge(config["paths"], exclude=config["exclude"])
    unused = [
        item
        for item in vulture.get_unused_code(min_confidence=config["min_confidence"])
        if item.typ not in NOT_CHECKED
    ]
    for item in unused:
        print(item.get_report())
    # vulture's own exit code is set when a file cannot be read or parsed.
    return 1 if unused or vulture.exit_code else 0


if __name__ == "__main__":
    sys.exit(main())
