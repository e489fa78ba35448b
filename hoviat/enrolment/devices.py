"""Capture devices: what a camera or a fingerprint scanner gives the enrolment.

Real devices sit on the office workstation and send their images as uploads; this interface
is what a server-side driver implements, and the simulator is the one that ships: it draws
deterministic synthetic pictures (the same person gives the same bytes), so development and
tests need no hardware.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from django.contrib.staticfiles import finders
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from hoviat.enrolment.models import FingerPosition, MissingFingerReason

FACE_SIZE = (600, 800)
FINGER_SIZE = (400, 500)
FINGER_PPI = 500


@dataclass(frozen=True)
class MissingFinger:
    """The device could not take this finger, and says why (a MissingFingerReason code)."""

    reason: str


@runtime_checkable
class BiometricDevice(Protocol):
    def capture_face(self) -> bytes: ...

    def capture_finger(self, position: int) -> bytes | MissingFinger: ...


def _seed(*parts: object) -> int:
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = finders.find("vendor/vazirmatn/fonts/Vazirmatn-Bold.ttf")
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


@dataclass
class SimulatorDevice:
    """Synthetic captures for one person; `missing` maps finger positions to reason codes."""

    person: str = "simulator"  # seeds the pictures, e.g. the national code
    initials: str = ""
    missing: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for position, reason in self.missing.items():
            FingerPosition(position)
            MissingFingerReason(reason)

    def capture_face(self) -> bytes:
        seed = _seed(self.person, "face")
        hue = seed % 360
        background = _hsv(hue, 0.12, 0.96)
        image = Image.new("RGB", FACE_SIZE, background)
        draw = ImageDraw.Draw(image)
        skin = _hsv(20 + seed % 20, 0.35 + (seed >> 8) % 20 / 100, 0.85)
        # Shoulders, neck, head, hair, eyes, mouth: enough for a face to be seen on a receipt.
        draw.ellipse((60, 640, 540, 1040), fill=_hsv(hue + 180, 0.45, 0.45))
        draw.rectangle((255, 520, 345, 680), fill=skin)
        draw.ellipse((165, 170, 435, 560), fill=skin)
        draw.chord((155, 140, 445, 420), 180, 360, fill=_hsv(30, 0.6, 0.25))
        for x in (235, 365):
            draw.ellipse((x - 18, 330, x + 18, 352), fill="white")
            draw.ellipse((x - 8, 332, x + 8, 350), fill=_hsv(25, 0.7, 0.3))
        draw.arc((250, 420, 350, 480), 20, 160, fill=_hsv(0, 0.5, 0.5), width=5)
        if self.initials:
            draw.text(
                (FACE_SIZE[0] // 2, 80),
                self.initials,
                font=_font(64),
                fill="#333",
                anchor="mm",
                direction="rtl",
            )
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=88, dpi=(300, 300))
        return buffer.getvalue()

    def capture_finger(self, position: int) -> bytes | MissingFinger:
        FingerPosition(position)
        if position in self.missing:
            return MissingFinger(self.missing[position])
        seed = _seed(self.person, "finger", position)
        width, height = FINGER_SIZE
        image = Image.new("L", FINGER_SIZE, 255)
        draw = ImageDraw.Draw(image)
        # Ridges: loops round a core that drifts a little from ring to ring, like a whorl.
        cx = width / 2 + (seed % 60) - 30
        cy = height / 2 + ((seed >> 8) % 80) - 40
        drift = ((seed >> 16) % 7 - 3) / 2
        for ring in range(2, 60):
            r = ring * 9
            ox = drift * ring * 0.4
            oy = math.sin(ring / 4 + seed % 5) * 3
            draw.ellipse(
                (cx - r * 0.8 + ox, cy - r + oy, cx + r * 0.8 + ox, cy + r + oy),
                outline=40,
                width=4,
            )
        image = image.filter(ImageFilter.GaussianBlur(1.2))
        # The fingertip's outline: white outside an ellipse, as a scanner shows it.
        mask = Image.new("L", FINGER_SIZE, 0)
        ImageDraw.Draw(mask).ellipse((40, 30, width - 40, height - 20), fill=255)
        image = Image.composite(image, Image.new("L", FINGER_SIZE, 255), mask)
        buffer = io.BytesIO()
        image.save(buffer, "PNG", dpi=(FINGER_PPI, FINGER_PPI), optimize=False)
        return buffer.getvalue()


def _hsv(hue: float, saturation: float, value: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hsv_to_rgb((hue % 360) / 360, saturation, value)
    return round(r * 255), round(g * 255), round(b * 255)


def simulator_for(*, citizen, missing: dict[int, str] | None = None) -> SimulatorDevice:
    """The simulator, seeded by a citizen: their face carries their initials."""
    initials = f"{citizen.first_name[:1]}. {citizen.last_name[:1]}."
    return SimulatorDevice(
        person=citizen.national_code, initials=initials, missing=dict(missing or {})
    )


def capture_all(device: BiometricDevice) -> dict:
    """A face and the ten fingers from one device (a finger it cannot take is left out)."""
    fingers = {}
    for position in FingerPosition.values:
        image = device.capture_finger(position)
        if isinstance(image, bytes):
            fingers[position] = image
    return {"face": device.capture_face(), "fingers": fingers}
