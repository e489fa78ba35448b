"""The director's capacity-plan page: a what-if asked, run in the background, charted."""

import pytest
from django.test import Client
from django.urls import reverse

from hoviat.core.tests.factories import staff_sign_in
from hoviat.planning.models import PlanRun
from hoviat.planning.plan_services import plan_run_execute

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    staff_sign_in(client, user)
    return client


def test_a_director_asks_a_what_if_follows_its_progress_and_sees_its_charts(nasrin):
    client = signed_in(nasrin)
    page = client.get(reverse("planning:plan"))
    assert page.status_code == 200
    assert "هنوز برنامه‌ای ساخته نشده است" in page.content.decode()
    answer = client.post(
        reverse("planning:plan"),
        {
            "action": "whatif",
            "whatif-shifts": "4",
            "whatif-seat_percent": "50",
            "whatif-peak_seat_percent": "100",
            "whatif-order_count": "1500000",
            "whatif-order_day": "170",
            "whatif-months": "2",
        },
    )
    run = PlanRun.objects.get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"?run={run.pk}")
    assert run.status == "queued" and run.inputs["shifts"] == 4
    waiting = client.get(answer["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in waiting and "در نوبت" in waiting
    plan_run_execute(run_id=run.pk)  # what the worker does
    done = client.get(reverse("planning:plan_progress", args=[run.pk]), HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Redirect"].endswith(f"?run={run.pk}")
    shown = client.get(done["HX-Redirect"]).content.decode()
    assert 'id="plan-chart-data"' in shown and "chart-cover" in shown
    assert "فروردین ۱۴۰۵" in shown  # Jalali months, Persian digits
    assert "۴" in shown and "every 2s" not in shown
    assert 'data-testid="peak-window"' in shown  # seats added around Farvardin


def test_it_refuses_a_negative_capacity_with_a_message_beside_the_field(nasrin):
    client = signed_in(nasrin)
    answer = client.post(
        reverse("planning:plan"),
        {
            "action": "whatif",
            "whatif-shifts": "-3",
            "whatif-seat_percent": "0",
            "whatif-peak_seat_percent": "0",
            "whatif-order_count": "0",
            "whatif-order_day": "0",
            "whatif-months": "3",
        },
    )
    assert answer.status_code == 400
    body = answer.content.decode()
    assert 'data-testid="error-summary"' in body and "دست‌کم ۰" in body
    assert not PlanRun.objects.exists()


def test_an_office_operator_may_not_open_the_plan(reza):
    client = signed_in(reza)
    assert client.get(reverse("planning:plan")).status_code == 403
