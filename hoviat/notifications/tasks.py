from huey.contrib.djhuey import db_task

from hoviat.notifications.services import sms_send


@db_task(retries=0)
def sms_send_task(message_id: int) -> None:
    sms_send(message_id=message_id)
