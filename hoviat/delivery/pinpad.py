"""The PIN pad at the hand-over counter: an interface, and the simulator that ships.

The holder chooses the card's PINs and confirms the ID PIN on a pad that faces them; the
operator never types or sees a PIN. A real office has a pad wired to its workstation whose
driver reads what the holder typed; the simulator is this site's citizen-facing pad page
(`delivery:pin_pad`, the desk's second screen turned to the holder), whose posted keys are
the PINs. Which pad runs is the setting DELIVERY_PIN_PAD (a dotted path), as
DELIVERY_FINGERPRINT_MATCHER picks the fingerprint matcher (`devices.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string

# The pad page's field names: distinct from any field of the operator's form.
PAD_FIELDS = ("pad_id_pin", "pad_sign_pin", "pad_nmoc_pin", "pad_id_pin_confirmation", "pad_puk")


@dataclass(frozen=True)
class ChosenPins:
    id_pin: str
    sign_pin: str
    nmoc_pin: str
    id_pin_confirmation: str  # typed again on the chip's pad: the chip checks it
    puk: str = ""  # from the PIN mailer, to open a PIN blocked by wrong confirmations

    def __repr__(self) -> str:  # never in a log or a traceback
        return "ChosenPins(***)"


@runtime_checkable
class PinPad(Protocol):
    def read(self, *, csn: str, screen: Mapping[str, str]) -> ChosenPins:
        """The PINs the holder typed on the pad for card `csn`. `screen` is what the
        citizen-facing pad page posted (a pad with its own keys reads the device instead)."""
        ...


class SimulatorPinPad:
    """The pad page of this site is the pad: its keys are the holder's PINs."""

    def read(self, *, csn: str, screen: Mapping[str, str]) -> ChosenPins:
        id_pin, sign_pin, nmoc_pin, confirmation, puk = (screen.get(f, "") for f in PAD_FIELDS)
        return ChosenPins(
            id_pin=id_pin,
            sign_pin=sign_pin,
            nmoc_pin=nmoc_pin,
            id_pin_confirmation=confirmation,
            puk=puk,
        )


def pin_pad() -> PinPad:
    """The pad the settings name (the simulator unless configured otherwise)."""
    return import_string(settings.DELIVERY_PIN_PAD)()
