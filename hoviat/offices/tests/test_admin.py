"""The Django admin adds closures through the audited service, never around it."""

import datetime as dt

import time_machine
from django.urls import reverse

from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import staff_sign_in
from hoviat.offices.models import OfficeClosure

NOW = dt.datetime(2026, 4, 25, 9, 0, tzinfo=dt.UTC)


def office_form(office, **closure):
    data = {
        "kind": office.kind,
        "name": office.name,
        "code": office.code,
        "city": office.city_id,
        "address": office.address,
        "phone": office.phone,
        "opens_at": "07:30",
        "closes_at": "14:30",
        "thursday_closes_at": "12:00",
        "slot_minutes": office.slot_minutes,
        "capacity_per_slot": office.capacity_per_slot,
        "hands_over_cards": "on",
        "is_active": "on",
        "closures-TOTAL_FORMS": "1",
        "closures-INITIAL_FORMS": "0",
        "closures-MIN_NUM_FORMS": "0",
        "closures-MAX_NUM_FORMS": "1000",
    }
    data.update({f"closures-0-{key}": value for key, value in closure.items()})
    return data


@time_machine.travel(NOW, tick=False)
def test_a_closure_added_in_the_admin_is_audited(client, nasrin, bushehr_post_office):
    staff_sign_in(client, nasrin)
    url = reverse("admin:offices_office_change", args=[bushehr_post_office.pk])
    response = client.post(
        url, office_form(bushehr_post_office, date="2026-04-29", reason="تعمیر سامانه")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    closure = OfficeClosure.objects.get()
    assert (closure.office, closure.date) == (bushehr_post_office, dt.date(2026, 4, 29))
    entry = AuditEntry.objects.get(action="office.closure_added")
    assert entry.actor_label == "nasrin"


@time_machine.travel(NOW, tick=False)
def test_the_admin_refuses_to_close_a_day_that_has_passed(client, nasrin, bushehr_post_office):
    staff_sign_in(client, nasrin)
    url = reverse("admin:offices_office_change", args=[bushehr_post_office.pk])
    response = client.post(url, office_form(bushehr_post_office, date="2026-04-20", reason="دیر"))
    assert response.status_code == 200
    assert "گذشته" in response.content.decode()
    assert not OfficeClosure.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_admin_refuses_a_second_closure_on_one_day(client, nasrin, bushehr_post_office):
    OfficeClosure.objects.create(
        office=bushehr_post_office, date=dt.date(2026, 4, 29), reason="تعمیر سامانه"
    )
    staff_sign_in(client, nasrin)
    url = reverse("admin:offices_office_change", args=[bushehr_post_office.pk])
    data = office_form(bushehr_post_office, date="2026-04-29", reason="دوباره")
    # The existing closure is shown read-only, so the new one is the formset's second form.
    data.update(
        {
            "closures-TOTAL_FORMS": "2",
            "closures-INITIAL_FORMS": "1",
            "closures-0-id": OfficeClosure.objects.get().pk,
            "closures-0-office": bushehr_post_office.pk,
            "closures-1-date": "2026-04-29",
            "closures-1-reason": "دوباره",
        }
    )
    del data["closures-0-date"], data["closures-0-reason"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert OfficeClosure.objects.count() == 1
