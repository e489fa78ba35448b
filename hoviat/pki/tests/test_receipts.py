"""The pure receipt signer and verifier (no database): what a bank would copy."""

import datetime as dt
import json
import time
import zlib

import base45
import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from hoviat.pki.receipts import (
    PREFIX,
    ReceiptClaims,
    ReceiptStatus,
    b64url,
    keys_by_kid,
    keys_from_jwks,
    kid_of,
    public_key_jwk,
    sign_receipt_qr,
    verify_receipt_qr,
)
from hoviat.pki.tests.conftest import ISSUED

NOW = ISSUED + dt.timedelta(days=3)
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def cose_of(text: str) -> list:
    tag = cbor2.loads(zlib.decompress(base45.b45decode(text[len(PREFIX) :])))
    assert tag.tag == 18
    return list(tag.value)


def text_of(parts, *, tag: int | None = 18) -> str:
    message = cbor2.CBORTag(tag, list(parts)) if tag is not None else list(parts)
    return PREFIX + base45.b45encode(zlib.compress(cbor2.dumps(message))).decode()


def signed_text(private_key, payload: bytes, *, alg: int = -7) -> str:
    """A COSE_Sign1 made by hand, to build receipts the real signer never would."""
    protected = cbor2.dumps({1: alg, 4: kid_of(private_key.public_key())})
    der = private_key.sign(
        cbor2.dumps(["Signature1", protected, b"", payload]), ec.ECDSA(hashes.SHA256())
    )
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return text_of([protected, {}, payload, r.to_bytes(32, "big") + s.to_bytes(32, "big")])


@pytest.fixture
def keys(signing_key):
    return keys_by_kid([signing_key.public_key()])


@pytest.fixture
def text(claims, signing_key):
    return sign_receipt_qr(claims, signing_key)


def test_a_signed_receipt_verifies_as_valid_with_the_claims_it_was_signed_with(text, keys, claims):
    verdict = verify_receipt_qr(text, keys, NOW)

    assert verdict.status == ReceiptStatus.VALID == "valid"
    assert verdict.is_valid
    assert verdict.claims == claims
    assert verdict.kid == b64url(next(iter(keys)))
    assert verdict.message_fa.startswith("رسید معتبر است")


def test_the_qr_text_is_short_and_uses_only_qr_alphanumeric_characters(text):
    assert text.startswith("HVR1:")
    assert set(text) <= QR_ALPHANUMERIC
    assert len(text) < 450


def test_the_cose_structure_follows_rfc_9052(text, signing_key, claims):
    protected, unprotected, payload, signature = cose_of(text)

    assert cbor2.loads(protected) == {1: -7, 4: kid_of(signing_key.public_key())}
    assert unprotected == {}
    assert len(signature) == 64
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    signing_key.public_key().verify(
        der, cbor2.dumps(["Signature1", protected, b"", payload]), ec.ECDSA(hashes.SHA256())
    )
    body = cbor2.loads(payload)
    assert body[1] == "IR-NOCR"
    assert body[6] == int(claims.issued_at.timestamp())
    # exp: midnight after 1 August 2026 in Tehran (UTC+03:30) is 20:30 UTC on 1 August.
    assert body[4] == int(dt.datetime(2026, 8, 1, 20, 30, tzinfo=dt.UTC).timestamp())
    assert body["rcp"] == {
        "v": 1,
        "nc": "0499370899",
        "fn": "سارا",
        "ln": "محمدی",
        "bd": "1991-08-05",
        "tc": "140512345678",
        "rn": "R1405-0601-000123",
        "vu": "2026-08-01",
    }


def test_the_kid_is_the_first_eight_bytes_of_the_sha256_of_the_public_key_info(signing_key):
    import hashlib

    from cryptography.hazmat.primitives import serialization

    spki = signing_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert kid_of(signing_key.public_key()) == hashlib.sha256(spki).digest()[:8]


@pytest.mark.parametrize("part", [2, 3], ids=["payload", "signature"])
def test_every_flipped_byte_in_the_payload_or_signature_reads_as_tampered(text, keys, part):
    parts = cose_of(text)
    original = parts[part]
    for index in range(len(original)):
        changed = bytearray(original)
        changed[index] ^= 0x01
        parts[part] = bytes(changed)
        verdict = verify_receipt_qr(text_of(parts), keys, NOW)
        assert verdict.status == ReceiptStatus.TAMPERED, (part, index)
        assert verdict.claims is None


def test_no_changed_character_of_the_qr_text_passes_off_other_claims_as_valid(text, keys, claims):
    for index in range(len(PREFIX), len(text)):
        replacement = "0" if text[index] != "0" else "1"
        verdict = verify_receipt_qr(text[:index] + replacement + text[index + 1 :], keys, NOW)
        # A change in zlib's informational header bits leaves the signed bytes as they were:
        # then the same receipt is still valid, but never a different one.
        assert not verdict.is_valid or verdict.claims == claims, index
        if verdict.status in {ReceiptStatus.TAMPERED, ReceiptStatus.MALFORMED}:
            assert verdict.claims is None


def test_a_receipt_signed_by_a_key_that_is_not_published_reads_as_unknown_key(text):
    stranger = ec.generate_private_key(ec.SECP256R1())

    verdict = verify_receipt_qr(text, keys_by_kid([stranger.public_key()]), NOW)

    assert verdict.status == ReceiptStatus.UNKNOWN_KEY
    assert verdict.claims is None
    assert verdict.kid is not None
    assert "کلید" in verdict.message_fa


def test_a_forged_receipt_under_a_published_kid_reads_as_tampered(claims, signing_key, keys):
    forger = ec.generate_private_key(ec.SECP256R1())

    forged = sign_receipt_qr(claims, forger, kid=kid_of(signing_key.public_key()))

    assert verify_receipt_qr(forged, keys, NOW).status == ReceiptStatus.TAMPERED


def test_a_receipt_is_valid_to_the_end_of_its_last_day_in_tehran_then_expired(text, keys, claims):
    last_second = dt.datetime(2026, 8, 1, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=3.5)))

    assert verify_receipt_qr(text, keys, last_second).status == ReceiptStatus.VALID
    verdict = verify_receipt_qr(text, keys, last_second + dt.timedelta(seconds=1))
    assert verdict.status == ReceiptStatus.EXPIRED
    assert verdict.claims == claims  # genuine, so what it says can be shown
    assert "مهلت" in verdict.message_fa


def test_surrounding_whitespace_and_a_lower_case_prefix_are_accepted(text, keys):
    pasted = "\n  " + text[: len(PREFIX)].lower() + text[len(PREFIX) :] + " \r\n"

    assert verify_receipt_qr(pasted, keys, NOW).status == ReceiptStatus.VALID


def test_a_text_wrapped_over_lines_is_accepted(text, keys):
    wrapped = "\r\n".join(text[i : i + 60] for i in range(0, len(text), 60))

    assert verify_receipt_qr(wrapped, keys, NOW).status == ReceiptStatus.VALID


def test_an_untagged_cose_sign1_array_is_accepted(text, keys):
    assert verify_receipt_qr(text_of(cose_of(text), tag=None), keys, NOW).is_valid


def test_a_zlib_bomb_is_refused_without_inflating_it(keys):
    bomb = PREFIX + base45.b45encode(zlib.compress(b"\0" * 2_000_000, 9)).decode()
    assert len(bomb) < 4096

    started = time.perf_counter()
    verdict = verify_receipt_qr(bomb, keys, NOW)

    assert verdict.status == ReceiptStatus.MALFORMED
    assert "inflates past" in verdict.reason
    assert time.perf_counter() - started < 0.1


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "does not start with"),
        ("HC1:NCFOXN%TS3DH", "does not start with"),
        ("HVR1:", "cut short"),
        ("HVR1:hello", "not Base45"),
        ("HVR1:::::", "not Base45"),
        (PREFIX + base45.b45encode(b"not zlib at all").decode(), "not zlib"),
        (PREFIX + base45.b45encode(zlib.compress(b"\xff\xff"))[:-3].decode(), "cut short"),
        (PREFIX + base45.b45encode(zlib.compress(b"x") + b"junk").decode(), "extra bytes"),
        (PREFIX + base45.b45encode(zlib.compress(b"\x1f")).decode(), "not CBOR"),
        (
            PREFIX + base45.b45encode(zlib.compress(cbor2.dumps(cbor2.CBORTag(98, [])))).decode(),
            "not COSE_Sign1",
        ),
        (
            PREFIX + base45.b45encode(zlib.compress(cbor2.dumps([1, 2, 3]))).decode(),
            "array of four",
        ),
        (
            PREFIX + base45.b45encode(zlib.compress(cbor2.dumps([b"", {}, b"", b""]))).decode(),
            "not ES256",
        ),
        (
            PREFIX + base45.b45encode(zlib.compress(cbor2.dumps([b"\x80", {}, b"", b""]))).decode(),
            "not a map",
        ),
        ("HVR1:" + "0" * 5000, "longer than 4096"),
    ],
    ids=[
        "empty",
        "other-prefix",
        "prefix-only",
        "lower-case-body",
        "not-base45",
        "not-zlib",
        "zlib-cut-short",
        "zlib-trailing-junk",
        "not-cbor",
        "other-tag",
        "short-array",
        "empty-header",
        "header-not-a-map",
        "oversized",
    ],
)
def test_malformed_text_reads_as_malformed_with_a_reason(text, reason, keys):
    verdict = verify_receipt_qr(text, keys, NOW)

    assert verdict.status == ReceiptStatus.MALFORMED
    assert reason in verdict.reason
    assert verdict.claims is None
    assert "HVR1:" in verdict.message_fa


def test_a_signature_with_another_algorithm_is_malformed(signing_key, keys, claims):
    valid = cose_of(sign_receipt_qr(claims, signing_key))

    verdict = verify_receipt_qr(signed_text(signing_key, valid[2], alg=-35), keys, NOW)

    assert verdict.status == ReceiptStatus.MALFORMED
    assert "not ES256" in verdict.reason


def test_a_correctly_signed_payload_that_is_no_receipt_is_malformed(signing_key, keys):
    payload = cbor2.dumps({1: "IR-NOCR", 6: 0, 4: 2**40, "rcp": {"v": 1, "nc": 499370899}})

    verdict = verify_receipt_qr(signed_text(signing_key, payload), keys, NOW)

    assert verdict.status == ReceiptStatus.MALFORMED
    assert verdict.claims is None


def test_the_key_list_json_alone_is_enough_to_verify(text, signing_key):
    document = json.loads(json.dumps({"keys": [public_key_jwk(signing_key.public_key())]}))

    assert verify_receipt_qr(text, keys_from_jwks(document), NOW).is_valid


def test_a_key_list_whose_kid_does_not_match_its_key_is_refused(signing_key):
    jwk = public_key_jwk(signing_key.public_key())
    jwk["kid"] = b64url(b"\0" * 8)

    with pytest.raises(ValueError, match="does not match"):
        keys_from_jwks({"keys": [jwk]})


def test_claims_need_an_aware_issue_time_and_keep_it_to_the_second_in_utc(claims):
    import dataclasses

    with pytest.raises(ValueError, match="aware"):
        dataclasses.replace(claims, issued_at=dt.datetime(2026, 5, 1, 10, 0))
    tehran = dt.timezone(dt.timedelta(hours=3.5))
    moved = dataclasses.replace(
        claims, issued_at=dt.datetime(2026, 5, 1, 10, 0, 15, 999, tzinfo=tehran)
    )
    assert moved.issued_at == ISSUED
    assert moved.issued_at.tzinfo is dt.UTC
    assert isinstance(moved, ReceiptClaims)
