#!/usr/bin/env python3
"""A tiny client of the Hoviat inquiry API: ask about a card, then check the signed answer.

Copy this file. It needs only the standard library and `cryptography` (pip install
cryptography). Usage:

    HOVIAT_API_KEY=hv1.xxxx.yyyy python inquiry_client.py 0499370899 IR0000000001 \
        [--base-url https://hoviat.example] [--purpose BANK_ACCOUNT_OPENING]

It prints the answer and exits 0 only when the answer's signature verifies with a key
published at /inquiry/keys. Keep the answer body and its X-JWS-Signature header: together
they prove what the registry told you.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import urllib.error
import urllib.request

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def fetch_keys(base_url: str) -> dict[str, ec.EllipticCurvePublicKey]:
    """The published answer-signing keys, by kid (cache them; refresh on an unknown kid)."""
    with urllib.request.urlopen(f"{base_url}/inquiry/keys", timeout=10) as response:  # noqa: S310 (scheme checked in main)
        document = json.load(response)
    keys = {}
    for jwk in document["keys"]:
        if (jwk.get("kty"), jwk.get("crv")) != ("EC", "P-256"):
            continue
        numbers = ec.EllipticCurvePublicNumbers(
            int.from_bytes(b64url_decode(jwk["x"]), "big"),
            int.from_bytes(b64url_decode(jwk["y"]), "big"),
            ec.SECP256R1(),
        )
        keys[jwk["kid"]] = numbers.public_key()
    return keys


def verify_detached_jws(body: bytes, signature: str, keys: dict) -> dict:
    """RFC 7515 appendix F: put BASE64URL(body) back between the dots and check ES256."""
    protected, payload, sig = signature.split(".")
    if payload:
        raise ValueError("expected a detached signature (empty middle part)")
    header = json.loads(b64url_decode(protected))
    if header.get("alg") != "ES256":
        raise ValueError(f"unexpected alg {header.get('alg')!r}")
    key = keys.get(header.get("kid"))
    if key is None:
        raise ValueError(f"unknown kid {header.get('kid')!r}")
    raw = b64url_decode(sig)
    if len(raw) != 64:
        raise ValueError("an ES256 signature is 64 bytes (r || s)")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    signing_input = f"{protected}.{b64url(body)}".encode()
    try:
        key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ValueError("the signature does not match the answer") from None
    return header


def card_inquiry(
    base_url: str, api_key: str, national_code: str, card_serial: str, purpose: str
) -> tuple[int, bytes, str | None]:
    request = urllib.request.Request(  # noqa: S310 (scheme checked in main)
        f"{base_url}/api/v1/inquiry/card",
        data=json.dumps(
            {"national_code": national_code, "card_serial": card_serial, "purpose": purpose}
        ).encode(),
        headers={"Content-Type": "application/json", "X-API-Key": api_key},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read(), response.headers.get("X-JWS-Signature")
    except urllib.error.HTTPError as error:  # problem+json: code, Persian detail
        return error.code, error.read(), error.headers.get("X-JWS-Signature")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("national_code")
    parser.add_argument("card_serial")
    parser.add_argument("--base-url", default=os.environ.get("HOVIAT_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--purpose", default="BANK_ACCOUNT_OPENING")
    args = parser.parse_args(argv)
    api_key = os.environ.get("HOVIAT_API_KEY")
    if not api_key:
        print("Set HOVIAT_API_KEY to your partner key.", file=sys.stderr)
        return 2
    base_url = args.base_url.rstrip("/")
    if not base_url.startswith(("https://", "http://")):
        print("--base-url must be an http(s) URL.", file=sys.stderr)
        return 2
    status, body, signature = card_inquiry(
        base_url, api_key, args.national_code, args.card_serial, args.purpose
    )
    print(f"HTTP {status}")
    print(json.dumps(json.loads(body), ensure_ascii=False, indent=2))
    if status == 429:
        return 3  # wait Retry-After seconds, then try again
    if signature is None:
        print("(no signature: a request problem, not an answer)", file=sys.stderr)
        return 1
    try:
        header = verify_detached_jws(body, signature, fetch_keys(base_url))
    except ValueError as error:
        print(f"SIGNATURE NOT VALID: {error}", file=sys.stderr)
        return 1
    print(f"signature OK (kid {header['kid']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
