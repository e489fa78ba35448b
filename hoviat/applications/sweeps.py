from hoviat.applications.services import applications_expire_unpaid


def run() -> str:
    return f"unpaid pre-registrations expired: {applications_expire_unpaid()}"
