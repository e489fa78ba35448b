"""Lost and stolen cards, reported by the holder after OTP or at an office; found cards."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from django.utils import timezone

from hoviat.applications.models import Application
from hoviat.core.errors import AccessDenied
from hoviat.core.models import AuditEntry
from hoviat.core.tests.factories import audit_log_holds
from hoviat.delivery.models import LossReport
from hoviat.delivery.selectors import access_card_for_office
from hoviat.delivery.tests.fixtures_lifecycle import citizen_client
from hoviat.enrolment.models import Enrolment
from hoviat.pki.models import IssuedCertificate, RevocationList
from hoviat.production.models import Card
from tests.factories import CardFactory

SARA = "0499370899"


def _report(client, csn, **body):
    return client.post(f"/api/v1/cards/{csn}/report-lost", body, content_type="application/json")


def test_sara_reports_her_card_lost_and_it_is_suspended_with_a_replacement_opened(
    saras_active_card, sara_api
):
    response = _report(sara_api, saras_active_card.csn, kind="lost")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["card_status"] == "suspended"
    assert body["certificates_revoked"] == 0
    assert body["certificates_on_hold"] == 2  # CRL and OCSP: certificateHold until found
    assert set(
        IssuedCertificate.objects.filter(csn=saras_active_card.csn).values_list(
            "status", "reason_code"
        )
    ) == {("revoked", "certificateHold")}
    replacement = body["replacement"]
    assert replacement["fee_rials"] == 2_900_000  # first loss (FEE_LOST_RIALS[0])
    assert replacement["status"] == "pre_registered"
    assert replacement["next_step"] == "payment_then_production"  # biometrics are recent
    app = Application.objects.get(tracking_code=replacement["tracking_code"])
    assert app.kind == "replacement"
    assert app.enrolment.reused_from_id == saras_active_card.application.enrolment.pk
    report = LossReport.objects.get(card=saras_active_card)
    assert report.kind == "lost" and report.channel == "citizen" and report.replacement == app
    assert audit_log_holds()


def test_a_stolen_card_is_revoked_with_its_certificates_at_once(
    saras_active_card, sara_api, django_capture_on_commit_callbacks
):
    crls_before = RevocationList.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = _report(sara_api, saras_active_card.csn, kind="stolen")

    assert response.status_code == 201, response.content
    assert response.json()["card_status"] == "revoked"
    assert response.json()["certificates_revoked"] == 2
    statuses = IssuedCertificate.objects.filter(csn=saras_active_card.csn).values_list(
        "status", flat=True
    )
    assert set(statuses) == {"revoked"}
    assert RevocationList.objects.count() > crls_before  # signed again after the commit
    crl = x509.load_der_x509_crl(bytes(RevocationList.objects.order_by("-pk").first().der))
    listed = {entry.serial_number for entry in crl}
    serials = IssuedCertificate.objects.filter(csn=saras_active_card.csn).values_list(
        "serial", flat=True
    )
    assert {int(serial, 16) for serial in serials} <= listed


def test_a_lost_card_later_found_stolen_is_revoked(saras_active_card, sara_api):
    _report(sara_api, saras_active_card.csn, kind="lost")

    response = _report(sara_api, saras_active_card.csn, kind="stolen")

    assert response.status_code == 201
    assert Card.objects.get(pk=saras_active_card.pk).status == "revoked"
    assert LossReport.objects.get(card=saras_active_card).kind == "stolen"
    assert set(
        IssuedCertificate.objects.filter(csn=saras_active_card.csn).values_list(
            "status", "reason_code"
        )
    ) == {("revoked", "keyCompromise")}
    assert Application.objects.filter(citizen__national_code=SARA, kind="replacement").count() == 1


def test_it_refuses_to_report_a_card_that_is_not_yours_and_audits_the_attempt(
    saras_active_card, saras_card_at_office
):
    stranger = citizen_client("09350000000")

    response = _report(stranger, saras_active_card.csn, kind="stolen")

    assert response.status_code == 404
    problem = response.json()
    assert problem["code"] == "CARD_NOT_YOURS"
    assert "فقط کارت خودتان" in problem["detail"]
    assert Card.objects.get(pk=saras_active_card.pk).status == "active"
    assert not LossReport.objects.exists()
    assert IssuedCertificate.objects.filter(csn=saras_active_card.csn, status="good").count() == 2
    refusal = AuditEntry.objects.get(action="card.loss_report_refused")
    assert refusal.object_id == saras_active_card.csn and refusal.reason == "not_the_holder"


def test_an_unknown_serial_gets_the_same_answer_as_someone_elses(sara, sara_api):
    response = _report(sara_api, "IR9999999999", kind="lost")

    assert response.status_code == 404
    assert response.json()["code"] == "CARD_NOT_YOURS"


def test_it_refuses_a_card_still_waiting_at_the_office(saras_card_at_office, sara_api):
    response = _report(sara_api, saras_card_at_office[0].csn, kind="lost")

    assert response.status_code == 409
    assert response.json()["code"] == "CARD_NOT_REPORTABLE"


def test_reza_reports_a_card_at_the_counter_after_checking_the_national_code(
    saras_active_card, reza_counter_api
):
    wrong = _report(
        reza_counter_api, saras_active_card.csn, kind="lost", national_code="0012345679"
    )
    assert wrong.status_code == 404
    assert Card.objects.get(pk=saras_active_card.pk).status == "active"

    response = _report(reza_counter_api, saras_active_card.csn, kind="lost", national_code=SARA)

    assert response.status_code == 201, response.content
    report = LossReport.objects.get(card=saras_active_card)
    assert report.channel == "office" and report.reported_by.username == "reza"


@pytest.mark.parametrize(("earlier", "fee"), [(0, 100), (1, 200), (2, 300), (5, 300)])
def test_the_fee_grows_with_each_earlier_loss(saras_active_card, sara_api, settings, earlier, fee):
    settings.FEE_LOST_RIALS = [100, 200, 300]
    # Sara's earlier cards, each reported lost and never found.
    for i in range(earlier):
        old = CardFactory(
            csn=f"IROLD{i:07d}",
            crn=f"88{i:08d}",
            application=saras_active_card.application,
            status="suspended",
            run=saras_active_card.run,
            office=saras_active_card.office,
            issued_on=saras_active_card.issued_on,
            expires_on=saras_active_card.expires_on,
        )
        LossReport.objects.create(
            card=old, kind="lost", channel="citizen", reported_at=timezone.now()
        )

    body = _report(sara_api, saras_active_card.csn, kind="lost").json()

    assert body["replacement"]["fee_rials"] == fee


def test_stale_biometrics_send_the_replacement_to_booking(saras_active_card, sara_api, settings):
    settings.DELIVERY_BIOMETRIC_RETENTION_DAYS = 0
    Enrolment.objects.filter(application=saras_active_card.application).update(
        completed_at=timezone.now() - dt.timedelta(days=3)
    )

    body = _report(sara_api, saras_active_card.csn, kind="lost").json()

    assert body["replacement"]["next_step"] == "payment_then_booking"
    app = Application.objects.get(tracking_code=body["replacement"]["tracking_code"])
    assert not Enrolment.objects.filter(application=app).exists()


# --- Found -----------------------------------------------------------------------------------


def _found(client, csn, national_code=SARA):
    return client.post(
        f"/api/v1/cards/{csn}/found",
        {"national_code": national_code},
        content_type="application/json",
    )


def test_reza_restores_a_lost_card_found_within_the_window(
    saras_active_card, sara_api, reza_counter_api
):
    tracking = _report(sara_api, saras_active_card.csn, kind="lost").json()["replacement"][
        "tracking_code"
    ]

    response = _found(reza_counter_api, saras_active_card.csn)

    assert response.status_code == 200, response.content
    assert response.json()["card_status"] == "active"
    assert LossReport.objects.get(card=saras_active_card).found_at is not None
    # Off hold: good again for OCSP and gone from the next CRL.
    assert set(
        IssuedCertificate.objects.filter(csn=saras_active_card.csn).values_list("status", flat=True)
    ) == {"good"}
    assert Application.objects.get(tracking_code=tracking).status == "cancelled"
    assert audit_log_holds()


def test_it_refuses_to_restore_after_the_window(
    saras_active_card, sara_api, reza_counter_api, settings
):
    settings.DELIVERY_FOUND_WINDOW_DAYS = 30
    _report(sara_api, saras_active_card.csn, kind="lost")
    LossReport.objects.update(reported_at=timezone.now() - dt.timedelta(days=31))

    response = _found(reza_counter_api, saras_active_card.csn)

    assert response.status_code == 409
    assert response.json()["code"] == "FOUND_WINDOW_PASSED"
    assert Card.objects.get(pk=saras_active_card.pk).status == "suspended"


def test_it_refuses_to_restore_once_the_replacement_is_produced(
    saras_active_card, sara_api, reza_counter_api
):
    tracking = _report(sara_api, saras_active_card.csn, kind="lost").json()["replacement"][
        "tracking_code"
    ]
    Application.objects.filter(tracking_code=tracking).update(status="produced")

    response = _found(reza_counter_api, saras_active_card.csn)

    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "REPLACEMENT_ALREADY_PRODUCED"
    assert "تولید شده" in problem["detail"]


def test_a_stolen_card_cannot_be_restored(saras_active_card, sara_api, reza_counter_api):
    _report(sara_api, saras_active_card.csn, kind="stolen")

    response = _found(reza_counter_api, saras_active_card.csn)

    assert response.status_code == 409
    assert response.json()["code"] == "CARD_NOT_RESTORABLE"


@pytest.mark.parametrize("who", ["sara_api", "nasrin_api"])
def test_only_an_office_operator_restores_a_found_card(saras_active_card, sara_api, who, request):
    _report(sara_api, saras_active_card.csn, kind="lost")

    response = _found(request.getfixturevalue(who), saras_active_card.csn)

    assert response.status_code in (401, 403)
    assert Card.objects.get(pk=saras_active_card.pk).status == "suspended"


def test_a_deactivated_operator_reaches_no_card_at_the_counter(saras_active_card, reza):
    reza.is_active = False

    with pytest.raises(AccessDenied):
        access_card_for_office(user=reza, csn=saras_active_card.csn, national_code=SARA)


def test_someone_trying_serial_after_serial_is_stopped_for_a_while(saras_active_card):
    prober = citizen_client("09350000000")
    for i in range(10):
        assert _report(prober, f"IR{i:010d}", kind="lost").status_code == 404

    response = _report(prober, saras_active_card.csn, kind="lost")

    assert response.status_code == 429
    assert response.json()["code"] == "RATE_LIMITED"
    assert Card.objects.get(pk=saras_active_card.pk).status == "active"
    assert AuditEntry.objects.filter(action="card.loss_report_refused").count() == 11


def test_sara_lists_her_cards_with_their_validity_and_what_she_may_do(
    saras_active_card, sara_api, nasrin
):
    from hoviat.delivery.services import validity_extension_record

    printed = saras_active_card.expires_on
    validity_extension_record(
        expiring_before=printed + dt.timedelta(days=1),
        valid_until=printed + dt.timedelta(days=400),
        effective_from=timezone.localdate(),
        reference="تمدید",
        actor=nasrin,
    )

    (card,) = sara_api.get("/api/v1/cards").json()

    assert card["card_serial"] == saras_active_card.csn
    assert card["card_status"] == "active"
    assert card["valid_until"] == (printed + dt.timedelta(days=400)).isoformat()
    assert card["can_report"] and not card["can_reissue"]
    assert citizen_client("09350000000").get("/api/v1/cards").json() == []


def test_a_lost_card_is_on_the_crl_until_it_is_found(
    saras_active_card, sara_api, reza_counter_api, django_capture_on_commit_callbacks
):
    serials = {
        int(serial, 16)
        for serial in IssuedCertificate.objects.filter(csn=saras_active_card.csn).values_list(
            "serial", flat=True
        )
    }

    def latest_crl():
        der = RevocationList.objects.order_by("-pk").first().der
        return {e.serial_number: e for e in x509.load_der_x509_crl(bytes(der))}

    with django_capture_on_commit_callbacks(execute=True):
        _report(sara_api, saras_active_card.csn, kind="lost")
    listed = latest_crl()
    assert serials <= set(listed)
    entry = listed[next(iter(serials))]
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.certificate_hold

    with django_capture_on_commit_callbacks(execute=True):
        assert _found(reza_counter_api, saras_active_card.csn).status_code == 200
    assert not serials & set(latest_crl())
