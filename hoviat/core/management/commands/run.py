"""`hoviat run`: the web server and the huey worker together; Ctrl-C stops both."""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the site and run the background worker together (Ctrl-C stops both)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="serve pages only")

    def handle(self, *args, addrport, no_worker, **options):
        manage = [sys.executable, "-m", "hoviat.cli"]
        commands = [[*manage, "runserver", addrport, "--noreload"]]
        if not no_worker:
            commands.append([*manage, "run_huey", "--workers", "2"])
        children = [subprocess.Popen(command) for command in commands]  # noqa: S603
        self.stdout.write(f"Hoviat on http://{addrport}/ — Ctrl-C stops the site and worker.")

        def stop(*_):
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [c.returncode for c in children if c.returncode not in (0, None, -15, -2)]
        if failed:
            sys.exit(1)
