from hoviat.notifications.services import sms_outbox_sweep


def run() -> str:
    result = sms_outbox_sweep()
    return (
        f"sms sent: {result.sent}, failed: {result.failed}, "
        f"delivered: {result.delivered}, undeliverable: {result.undeliverable}"
    )
