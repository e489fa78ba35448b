import time

import factory
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from hoviat.core.models import Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "کاربر"
    last_name = "آزمایشی"
    role = Role.NATIONAL_ADMIN
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


# A fixed authenticator key for the test personas (hex), so a failing test can be replayed.
TEST_TOTP_KEY = "3132333435363738393031323334353637383930"


def staff_authenticator(user: User) -> TOTPDevice:
    """The staff member's confirmed authenticator app (made on first use)."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="authenticator", defaults={"confirmed": True, "key": TEST_TOTP_KEY}
    )
    return device


def totp_now(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the authenticator shows now (time-machine moves "now"), or `steps_ahead`
    steps later (the server accepts the next step's code too)."""
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{code:0{device.digits}d}"


def staff_sign_in(client, user: User) -> None:
    """Sign a staff member in to the pages with password and second factor both passed."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = staff_authenticator(user).persistent_id
    session.save()


def browser_sign_in(page, username: str, password: str) -> None:
    """Sign in on the login page the browser is at, then give the authenticator's code."""
    user = User.objects.get(username=username)
    staff_authenticator(user)  # before the password: the server then asks for its code
    page.get_by_label("نام کاربری").fill(username)
    page.get_by_label("گذرواژه").fill(password)
    page.get_by_role("button", name="ورود").click()
    # A code is good once: signing the same person in again within its 30 seconds (the page
    # tour does) needs the next step's code, and after that the authenticator's next code.
    for attempt in range(3):
        if attempt == 2:
            device = staff_authenticator(user)
            time.sleep(device.step - (time.time() - device.t0) % device.step + 0.5)
        device = staff_authenticator(user)
        page.get_by_label("کد", exact=True).fill(totp_now(device, steps_ahead=min(attempt, 1)))
        with page.expect_navigation():
            page.get_by_role("button", name="تأیید").click()
        if "/accounts/second-factor/" not in page.url:
            return
    raise AssertionError(f"{username} could not pass the second factor")


def audit_log_holds() -> bool:
    """Sequence and checkpoint the audit rows written so far, then verify the whole log."""
    from hoviat.core.audit_tree import audit_checkpoint, audit_verify

    audit_checkpoint()
    verdict = audit_verify()
    assert verdict.ok, verdict.problem
    return verdict.ok
