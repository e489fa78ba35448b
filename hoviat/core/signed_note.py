"""C2SP signed notes and checkpoints (https://c2sp.org/signed-note, https://c2sp.org/tlog-checkpoint).

A note is UTF-8 text ending in a newline, a blank line, then one line per signature:
"— <key name> <base64(key hash || signature)>". For Ed25519 the key hash is the first four
bytes of SHA-256(name || "\\n" || 0x01 || public key) and the signature covers the text. A
checkpoint's text is the log's origin, the tree size in decimal, the root hash in base64, then
optional extension lines. The verifier key is written as Go's sumdb tools write it:
"<name>+<key hash, 8 hex digits>+<base64(0x01 || public key)>".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = 0x01
DASH = "\u2014"


class NoteError(ValueError):
    """A note or checkpoint that is malformed or whose signature does not verify."""


def _key_hash(name: str, public: bytes) -> int:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public).digest()
    return struct.unpack(">I", digest[:4])[0]


def _check_name(name: str) -> None:
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise NoteError(f"key name {name!r} must be non-empty, without '+' or spaces")


@dataclass(frozen=True)
class Verifier:
    name: str
    public: bytes

    @property
    def key_hash(self) -> int:
        return _key_hash(self.name, self.public)

    @property
    def vkey(self) -> str:
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self.public).decode()
        return f"{self.name}+{self.key_hash:08x}+{encoded}"

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        try:
            name, hash_hex, encoded = vkey.strip().split("+", 2)
            raw = base64.b64decode(encoded, validate=True)
            expected = int(hash_hex, 16)
        except (ValueError, binascii.Error):
            raise NoteError(f"not a verifier key: {vkey!r}") from None
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError(f"not an Ed25519 verifier key: {vkey!r}")
        verifier = cls(name, raw[1:])
        if verifier.key_hash != expected:
            raise NoteError(f"verifier key {vkey!r}: its hash does not match its key")
        return verifier

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, text)
        except InvalidSignature:
            return False
        return True


class Signer:
    """An Ed25519 note signer. The key comes from a secret: Go's "PRIVATE+KEY+name+hash+key"
    form as such, any other secret as the seed SHA-256("hoviat audit signing key\\n" + secret)."""

    def __init__(self, name: str, secret: str) -> None:
        _check_name(name)
        if secret.startswith("PRIVATE+KEY+"):
            try:
                _, _, key_name, _, encoded = secret.split("+", 4)
                raw = base64.b64decode(encoded, validate=True)
            except (ValueError, binascii.Error):
                raise NoteError("the signing key is not a valid PRIVATE+KEY string") from None
            if len(raw) != 33 or raw[0] != ALG_ED25519:
                raise NoteError("the signing key is not an Ed25519 PRIVATE+KEY")
            name, seed = key_name, raw[1:]
        else:
            if len(secret) < 16:
                raise NoteError("the audit signing key is too short (16 characters at least)")
            seed = hashlib.sha256(b"hoviat audit signing key\n" + secret.encode()).digest()
        self.name = name
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verifier = Verifier(name, public)

    def sign(self, text: str) -> str:
        """The signed note of `text` (which must end in a newline)."""
        if not text.endswith("\n") or "\n\n" in text:
            raise NoteError("a note's text ends in one newline and has no blank line")
        signature = self._key.sign(text.encode())
        blob = struct.pack(">I", self.verifier.key_hash) + signature
        return f"{text}\n{DASH} {self.name} {base64.b64encode(blob).decode()}\n"


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"


def note_open(note: str, verifiers: list[Verifier]) -> tuple[str, list[Verifier]]:
    """The text of a note and the known keys whose signatures on it verify. A note with no
    verified signature, or with a signature of a known key name that does not verify, is an
    error: never a silent pass."""
    text, sep, signatures = note.rpartition("\n\n")
    if not sep or not note.endswith("\n"):
        raise NoteError("no signature block (a blank line before the signatures)")
    text += "\n"
    by_hash = {(v.name, v.key_hash): v for v in verifiers}
    verified: list[Verifier] = []
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:
            raise NoteError(f"malformed signature line: {line!r}")
        _, name, encoded = parts
        try:
            blob = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise NoteError(f"signature of {name} is not base64") from None
        if len(blob) < 5:
            raise NoteError(f"signature of {name} is too short")
        verifier = by_hash.get((name, struct.unpack(">I", blob[:4])[0]))
        if verifier is None:
            continue  # someone else's cosignature (an outside witness): not ours to check
        if not verifier.verify(text.encode(), blob[4:]):
            raise NoteError(f"the signature of {name} does not verify")
        verified.append(verifier)
    if not verified:
        raise NoteError("no signature by a known key")
    return text, verified


def checkpoint_parse(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint has an origin, a size and a root hash, one per line")
    origin, size_text, root_text, *extensions = lines[:-1]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError(f"tree size {size_text!r} is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        raise NoteError("the root hash is not base64") from None
    if len(root) != 32:
        raise NoteError("the root hash is not 32 bytes")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))
