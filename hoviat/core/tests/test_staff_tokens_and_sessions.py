"""Staff API tokens end with a password change, a deactivation or a sign-out; the national
admin lists and revokes them; staff page sessions end when idle or too old."""

import datetime as dt

import time_machine
from django.test import Client

from conftest import PASSWORD
from hoviat.core.models import AuditEntry, StaffToken
from hoviat.core.services import staff_token_issue


def bearer(raw):
    return Client(headers={"Authorization": f"Bearer {raw}"})


def can_use(raw):
    return bearer(raw).get("/api/v1/me").status_code == 200


def test_a_password_change_revokes_every_token_of_that_user(reza, maryam):
    reza_token, _ = staff_token_issue(user=reza)
    maryam_token, _ = staff_token_issue(user=maryam)
    reza.set_password("a brand new secret 1405")
    reza.save()
    assert not can_use(reza_token)
    assert can_use(maryam_token)
    entry = AuditEntry.objects.get(action="auth.token.revoked")
    assert entry.reason == "password_changed"


def test_deactivating_a_user_revokes_their_tokens(reza):
    _, token = staff_token_issue(user=reza)
    reza.is_active = False
    reza.save()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.get(action="auth.token.revoked").reason == "deactivated"


def test_an_ordinary_save_keeps_the_tokens(reza):
    raw, _ = staff_token_issue(user=reza)
    reza.first_name = "رضا"
    reza.save()
    assert can_use(raw)


def test_logout_revokes_the_calling_token_only(reza):
    first, _ = staff_token_issue(user=reza)
    second, _ = staff_token_issue(user=reza)
    response = bearer(first).post("/api/v1/auth/logout")
    assert response.status_code == 204
    assert not can_use(first)
    assert can_use(second)


def test_the_national_admin_lists_and_revokes_staff_tokens(nasrin, reza):
    reza_raw, reza_token = staff_token_issue(user=reza)
    admin = bearer(staff_token_issue(user=nasrin)[0])
    listed = admin.get("/api/v1/auth/tokens").json()
    assert {row["username"] for row in listed} == {"nasrin", "reza"}
    assert "key_hash" not in listed[0]

    response = admin.post(f"/api/v1/auth/tokens/{reza_token.pk}/revoke")
    assert response.status_code == 200
    assert response.json()["revoked_at"]
    assert not can_use(reza_raw)
    entry = AuditEntry.objects.filter(action="auth.token.revoked").get()
    assert (entry.actor_label, entry.reason) == ("nasrin", "revoked_by_admin")
    assert [row["username"] for row in admin.get("/api/v1/auth/tokens").json()] == ["nasrin"]


def test_other_staff_may_neither_list_nor_revoke_tokens(nasrin, reza):
    _, nasrins_token = staff_token_issue(user=nasrin)
    reza_client = bearer(staff_token_issue(user=reza)[0])
    assert reza_client.get("/api/v1/auth/tokens").status_code == 403
    assert reza_client.post(f"/api/v1/auth/tokens/{nasrins_token.pk}/revoke").status_code == 403
    assert StaffToken.objects.filter(revoked_at__isnull=False).count() == 0


def sign_in(client):
    response = client.post("/accounts/login/", {"username": "reza", "password": PASSWORD})
    assert response.status_code == 302


START = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def test_a_staff_session_ends_after_thirty_minutes_idle(client, reza):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client)
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").wsgi_request.user.is_authenticated
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").wsgi_request.user.is_authenticated
        clock.shift(dt.timedelta(minutes=31))
        assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_busy_staff_session_still_ends_after_twelve_hours(client, reza):
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client)
        for _ in range(12 * 4 - 1):
            clock.shift(dt.timedelta(minutes=15))
            assert client.get("/").wsgi_request.user.is_authenticated
        clock.shift(dt.timedelta(minutes=16))
        assert not client.get("/").wsgi_request.user.is_authenticated
