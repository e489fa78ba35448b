import datetime as dt

from hoviat.core.jalali import age_on, today_local
from hoviat.registry import demo
from hoviat.registry.models import Citizen, OldCard
from hoviat.registry.selectors import citizen_eligibility


def test_the_demo_fills_provinces_sara_and_the_edge_cases_and_can_run_again(places):
    summary = demo.build(citizens=200, seed=1405)

    assert "IR-06 +200" in summary and "IR-07 +200" in summary and "IR-04 missing" in summary
    sara = Citizen.objects.get(national_code="0499370899")
    assert (sara.full_name, sara.father_name, sara.mother_name, sara.birth_date) == (
        "سارا محمدی",
        "علی",
        "مریم",
        dt.date(1991, 8, 5),
    )
    assert (sara.shenasnameh_series, sara.shenasnameh_letter, sara.shenasnameh_serial) == (
        20,
        "الف",
        "123456",
    )
    assert sara.issuing_county == places["bushehr_county"]  # the county of prefix 049
    assert sara.residence_city == places["bushehr_city"]
    assert OldCard.objects.get(citizen=sara).card_number == "5012345678"
    today = today_local()
    verdicts = {
        code: citizen_eligibility(citizen=Citizen.objects.get(national_code=code), on=today).reasons
        for code in ("0499370899", "0491000146", "0491000278", "0491000359")
    }
    assert verdicts == {
        "0499370899": [],
        "0491000146": ["UNDER_AGE"],
        "0491000278": ["DECEASED"],
        "0491000359": ["NO_PHOTO_SHENASNAMEH"],
    }
    assert age_on(Citizen.objects.get(national_code="0491000146").birth_date, today) == 14

    before = dict(Citizen.objects.values_list("national_code", "updated_at"))
    again = demo.build(citizens=200, seed=1405)

    assert "IR-06 already populated" in again
    assert dict(Citizen.objects.values_list("national_code", "updated_at")) == before
    assert OldCard.objects.count() == 1
