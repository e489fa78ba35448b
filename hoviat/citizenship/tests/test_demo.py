import pytest

from hoviat.citizenship import demo
from hoviat.citizenship.models import Case
from hoviat.places.services import places_load
from hoviat.registry.models import Citizen

pytestmark = pytest.mark.django_db


def test_the_demo_builds_cases_at_every_stage_once():
    places_load()
    demo.build(citizens=0, seed=1)
    statuses = sorted(Case.objects.values_list("status", flat=True))
    assert statuses == sorted(
        [
            "intake",
            "intake",
            "intake",
            "awaiting_decision",
            "more_evidence",
            "refused",
            "appealed",
            "issued",
            "refusal_upheld",
        ]
    )
    issued = Case.objects.get(status="issued")
    assert Citizen.objects.count() == 3 and issued.citizen.national_code[:3] in ("361", "362")
    demo.build(citizens=0, seed=1)
    assert Case.objects.count() == 9
