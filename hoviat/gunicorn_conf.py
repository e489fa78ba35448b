"""gunicorn hooks for `hoviat serve` (the settings themselves are on its command line)."""

import os


def child_exit(server, worker):
    # A dead worker's gauges are dropped; its counters stay in the totals (prometheus_client
    # multiprocess mode).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
