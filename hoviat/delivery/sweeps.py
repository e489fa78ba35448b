from hoviat.delivery.services import delivery_sweep


def run() -> str:
    return str(delivery_sweep())
