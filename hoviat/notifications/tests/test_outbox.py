import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone

from hoviat.notifications.models import SmsMessage, SmsStatus
from hoviat.notifications.services import sms_outbox_sweep, sms_queue, sms_send
from hoviat.notifications.tests.fake_kavenegar import FakeKavenegar

pytestmark = pytest.mark.django_db


@pytest.fixture
def kavenegar(settings):
    with FakeKavenegar() as fake:
        settings.SMS_BACKEND = "kavenegar"
        settings.KAVENEGAR_BASE_URL = fake.url
        settings.KAVENEGAR_API_KEY = "test-key"
        settings.KAVENEGAR_SENDER = "10004346"
        yield fake


def test_a_queued_message_is_written_to_the_sms_file_after_commit(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_queue(
            to="09171234567", template="otp", params={"code": "12345", "minutes": 2}
        )

    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    line = json.loads((tmp_path / "sms.jsonl").read_text().splitlines()[-1])
    assert line["to"] == "09171234567"
    assert line["body"] == (
        "هویت: کد ورود شما ۱۲۳۴۵ است. این کد تا ۲ دقیقه معتبر است. آن را به هیچ‌کس ندهید."
    )


def test_nothing_is_sent_when_the_transaction_rolls_back(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sms_queue(to="09171234567", template="otp", params={"code": "12345", "minutes": 2})
    # The callback exists but would only run on commit; nothing was written yet.
    assert len(callbacks) == 1
    assert not (tmp_path / "sms.jsonl").exists()


def test_kavenegar_receives_the_receptor_message_and_sender(kavenegar):
    message = SmsMessage.objects.create(
        to="09171234567", body="کارت شما آماده است", kind="card_ready"
    )
    sms_send(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert message.provider_message_id == "1001"
    path, params = kavenegar.requests[0]
    assert path == "/v1/test-key/sms/send.json"
    assert params == {
        "receptor": "09171234567",
        "message": "کارت شما آماده است",
        "sender": "10004346",
        "localid": str(message.pk),
    }


def test_an_unreachable_provider_is_retried_with_back_off(kavenegar):
    kavenegar.fail_http = True
    message = SmsMessage.objects.create(to="09171234567", body="x", kind="card_ready")
    sms_send(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == SmsStatus.QUEUED
    assert message.attempts == 1
    assert message.next_attempt_at > timezone.now() + dt.timedelta(seconds=50)
    # Not due yet: a second send does nothing.
    assert sms_send(message_id=message.pk) is None

    kavenegar.fail_http = False
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        sms_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
    assert message.attempts == 2


def test_a_refused_number_fails_at_once_without_retries(kavenegar):
    kavenegar.send_status = 411  # Kavenegar: invalid receptor
    message = SmsMessage.objects.create(to="09170000000", body="x", kind="card_ready")
    sms_send(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert "411" in message.last_error


def test_a_message_gives_up_after_the_maximum_attempts(kavenegar, settings):
    settings.SMS_MAX_ATTEMPTS = 2
    kavenegar.fail_http = True
    message = SmsMessage.objects.create(to="09171234567", body="x", kind="card_ready")
    sms_send(message_id=message.pk)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        sms_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED
    assert message.attempts == 2


def test_a_message_is_sent_once_even_if_two_workers_try(kavenegar):
    message = SmsMessage.objects.create(to="09171234567", body="x", kind="card_ready")
    first = sms_send(message_id=message.pk)
    second = sms_send(message_id=message.pk)
    assert first is not None and second is None
    assert len(kavenegar.requests) == 1


def test_delivery_reports_mark_delivered_and_undeliverable(kavenegar):
    good = SmsMessage.objects.create(to="09171234567", body="x", kind="card_ready")
    bad = SmsMessage.objects.create(to="09179999999", body="y", kind="card_ready")
    sms_send(message_id=good.pk)
    sms_send(message_id=bad.pk)
    good.refresh_from_db()
    bad.refresh_from_db()
    kavenegar.delivery_status = {good.provider_message_id: 10, bad.provider_message_id: 11}

    summary = sms_outbox_sweep()

    assert (summary.delivered, summary.undeliverable) == (1, 1)
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == SmsStatus.DELIVERED
    assert bad.status == SmsStatus.UNDELIVERABLE


def test_the_sweep_recovers_a_message_left_sending_by_a_dead_worker(kavenegar):
    message = SmsMessage.objects.create(
        to="09171234567",
        body="x",
        kind="card_ready",
        status=SmsStatus.SENDING,
        next_attempt_at=timezone.now() - dt.timedelta(minutes=30),
        attempts=1,
    )
    summary = sms_outbox_sweep()
    assert summary.requeued_stuck == 1
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT
