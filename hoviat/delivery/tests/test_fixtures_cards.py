def test_the_shared_fixture_makes_real_cards_in_transit(in_transit):
    from hoviat.pki.models import EmulatedChip

    assert [c.status for c in in_transit.cards] == ["in_transit", "in_transit"]
    assert {a.status for a in in_transit.applications} == {"shipped"}
    assert EmulatedChip.objects.filter(csn__in=[c.csn for c in in_transit.cards]).count() == 2
