from hoviat.payments.services import payments_abandon_sweep


def run() -> str:
    return f"payments abandoned: {payments_abandon_sweep(older_than_minutes=30)}"
