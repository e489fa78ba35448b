"""The emulated chip's secrets at rest: private keys under AES-GCM, PINs as keyed hashes.

One 256-bit store key is derived (HKDF-SHA256) from CHIP_STORE_KEY (env HOVIAT_CHIP_STORE_KEY,
else a development secret in var/chip_store_key). Each private key is its raw 32-byte scalar,
sealed as nonce (12 bytes) || AES-GCM ciphertext+tag, with "<csn>:<slot>" as associated data,
so a key copied onto another chip's row does not decrypt. AES-GCM rather than PEM with
BestAvailableEncryption: the latter runs a deliberately slow KDF per key, far too slow for a
production run of 10,000 cards.

PINs are HMAC-SHA256(store key, salt || slot || PIN): 4-8 digit PINs cannot resist offline
guessing whatever the hash, so the protection is the same as for the keys — without the store
key nothing can be tested — and the retry counter guards online guessing, as on a real card.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE_BYTES = 12
PIN_SLOTS = ("id", "sign", "nmoc")
PIN_DIGITS = 6
PUK_DIGITS = 8
PIN_MIN, PIN_MAX = 4, 8


@lru_cache(maxsize=4)
def _store_key(secret: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"hoviat emulated chip store v1"
    ).derive(secret.encode())


def seal_key(secret: str, csn: str, slot: str, key: ec.EllipticCurvePrivateKey) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    return nonce + AESGCM(_store_key(secret)).encrypt(nonce, scalar, f"{csn}:{slot}".encode())


def open_key(secret: str, csn: str, slot: str, sealed: bytes) -> ec.EllipticCurvePrivateKey:
    """The private key; cryptography's InvalidTag if the store key or the row is wrong."""
    scalar = AESGCM(_store_key(secret)).decrypt(
        sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], f"{csn}:{slot}".encode()
    )
    return ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SECP256R1())


def pin_hash(secret: str, salt: bytes, slot: str, pin: str) -> bytes:
    return hmac.new(
        _store_key(secret), salt + slot.encode() + b"\0" + pin.encode(), hashlib.sha256
    ).digest()


def pin_matches(secret: str, salt: bytes, slot: str, pin: str, stored: bytes | memoryview) -> bool:
    return hmac.compare_digest(pin_hash(secret, salt, slot, pin), bytes(stored))


def random_digits(count: int) -> str:
    """`count` uniformly random decimal digits (leading zeros kept), from one CSPRNG draw."""
    return str(secrets.randbelow(10**count)).zfill(count)


def pin_format_ok(pin: str) -> bool:
    return (
        isinstance(pin, str)
        and pin.isascii()
        and pin.isdigit()
        and (PIN_MIN <= len(pin) <= PIN_MAX)
    )
