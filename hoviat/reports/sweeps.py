from hoviat.reports.services import reports_refresh


def run() -> str:
    result = reports_refresh()
    scope = "full rebuild" if result.full else f"days since {result.since}"
    return f"figures refreshed ({scope}): {result.rows} rows in {result.seconds:.2f}s"
