"""The demo province reproduces the Bushehr article's arithmetic from lifecycle records."""

import datetime as dt
from decimal import Decimal

import pytest

from hoviat.applications.codes import tracking_code_is_valid
from hoviat.applications.models import Application
from hoviat.core.jalali import today_local
from hoviat.delivery.models import Collection, Handover
from hoviat.places.tests.factories import NationalCodePrefixFactory
from hoviat.reports.demo_province import DemoRefused, province_build
from hoviat.reports.models import Fact
from hoviat.reports.selectors import figures_for

# The source's Bushehr figures divided by 100 (rounded): eligible 775,129 → 7,751 ...
SCALED = {"eligible": 7751, "requested": 7276, "issued": 6114, "uncollected": 14}


@pytest.fixture
def bushehr_world(bushehr_post_office):
    NationalCodePrefixFactory(prefix="049", county=bushehr_post_office.city.county)
    NationalCodePrefixFactory(prefix="050", county=bushehr_post_office.city.county)
    return bushehr_post_office


@pytest.fixture
def built(bushehr_world):
    return province_build(province="IR-06", seed=7, **SCALED)


def test_it_builds_a_province_whose_figures_come_out_of_the_records(built):
    f = built.figures
    assert (f.eligible, f.requested, f.issued, f.uncollected) == (7751, 7276, 6114, 14)
    assert f.coverage_pct == Decimal("93.87")  # 7276 / 7751 = 93.8718…
    assert f.no_action == 7751 - 7276 == 475
    assert f.in_pipeline == 7276 - 6114 == 1162
    assert f.issued_pct == Decimal("78.88")
    assert f.rank == 1
    # Nothing stored by hand: the records themselves hold these numbers.
    assert Application.objects.filter(citizen__residence_province__code="IR-06").count() == 7276
    assert Handover.objects.count() == 6114
    assert Collection.objects.filter(collected_at=None, voided_at=None).count() == 14
    assert not Fact.objects.filter(metric="coverage").exists()
    assert all(
        tracking_code_is_valid(code)
        for code in Application.objects.values_list("tracking_code", flat=True)[:500]
    )


def test_it_leaves_the_rest_of_the_pipeline_in_the_queue_or_before_enrolment(built):
    f = built.figures
    assert 0 < f.in_queue <= f.in_pipeline - f.uncollected
    assert f.in_queue == round((1162 - 14) * 0.85)
    assert f.lead_ready_median_days is not None and 10 <= f.lead_ready_median_days <= 50


def test_figures_as_of_an_earlier_date_are_smaller_and_consistent(built):
    today = today_local()
    earlier = figures_for(level="province", code="IR-06", as_of=today - dt.timedelta(days=400))
    assert 0 < earlier.requested < built.figures.requested
    assert earlier.issued < built.figures.issued
    assert earlier.eligible <= built.figures.eligible
    assert earlier.no_action == earlier.eligible - earlier.requested
    assert earlier.in_pipeline == earlier.requested - earlier.issued
    start = figures_for(level="province", code="IR-06", as_of=dt.date(2018, 3, 1))
    assert (start.requested, start.issued) == (0, 0)


def test_running_it_again_with_the_same_figures_creates_nothing(built):
    again = province_build(province="IR-06", seed=7, **SCALED)
    assert (again.citizens_created, again.applications_created) == (0, 0)
    assert again.figures.coverage_pct == Decimal("93.87")


def test_it_refuses_a_target_below_what_the_province_already_holds(built):
    with pytest.raises(DemoRefused) as caught:
        province_build(province="IR-06", **{**SCALED, "issued": 100})
    assert caught.value.code == "DEMO_PROVINCE_ALREADY_ABOVE"


def test_it_refuses_more_requests_than_eligible_people(bushehr_world):
    with pytest.raises(DemoRefused):
        province_build(province="IR-06", eligible=10, requested=11, issued=0, uncollected=0)
