"""Checks on a captured or uploaded image, by its content (never by its name or claimed type)."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, UnidentifiedImageError

from hoviat.core.errors import ValidationFailed
from hoviat.core.text import persian_digits

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
FACE_ASPECT = 3 / 4  # width / height of a portrait photo
FACE_ASPECT_TOLERANCE = 0.10
# EXIF orientations that turn the stored picture by 90°: its width is the shown height.
_TURNED = {5, 6, 7, 8}
_EXIF_ORIENTATION = 0x0112


class ImageRejected(ValidationFailed):
    code = "IMAGE_REJECTED"
    default_detail = "تصویر پذیرفته نشد."


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str


def max_upload_bytes() -> int:
    return settings.BIOMETRIC_MAX_UPLOAD_BYTES


def _open(data: bytes) -> tuple[str, int, int]:
    """Format and shown size, after reading every byte of the picture.

    The size is read from the header and checked against the pixel budget before any pixel
    is decoded: a small PNG may declare 20000×20000 and decode to more than a gigabyte.
    """
    try:
        with warnings.catch_warnings():
            # A picture of more pixels than Pillow's bomb limit is refused, not just warned of.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:  # the header only
                fmt = probe.format or ""
                if fmt not in FORMATS:
                    raise ImageRejected(
                        "تنها تصویر JPEG یا PNG پذیرفته می‌شود.",
                        code="IMAGE_FORMAT_UNSUPPORTED",
                        extra={"format": fmt.lower()},
                    )
                _within_pixel_budget(*probe.size)
                probe.verify()  # structure and checksums (PNG CRCs), no pixels decoded
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # every pixel: a truncated JPEG fails here, not when printed
                width, height = image.size
                orientation = image.getexif().get(_EXIF_ORIENTATION, 1) if fmt == "JPEG" else 1
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("ابعاد تصویر بیش از اندازهٔ مجاز است.", code="IMAGE_TOO_LARGE") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ImageRejected("فایل تصویر خراب است یا تصویر نیست.", code="IMAGE_CORRUPT") from None
    if orientation in _TURNED:
        width, height = height, width
    return fmt, width, height


def _within_pixel_budget(width: int, height: int) -> None:
    budget = settings.IMAGE_MAX_PIXELS
    if width * height > budget:
        raise ImageRejected(
            "ابعاد تصویر بیش از اندازهٔ مجاز است.",
            code="IMAGE_TOO_LARGE",
            extra={"width": width, "height": height, "max_pixels": budget},
        )


def image_check(data: bytes, *, kind: str) -> CheckedImage:
    """The image if it may be kept as a face (kind="face") or a fingerprint ("finger")."""
    if not data:
        raise ImageRejected("فایل تصویر خالی است.", code="IMAGE_EMPTY")
    limit = max_upload_bytes()
    if len(data) > limit:
        raise ImageRejected(
            f"حجم تصویر بیش از {persian_digits(limit // (1024 * 1024))} مگابایت است.",
            code="IMAGE_TOO_LARGE",
            extra={"max_bytes": limit},
        )
    fmt, width, height = _open(data)
    if kind == "face":
        min_width = settings.BIOMETRIC_FACE_MIN_WIDTH
        min_height = settings.BIOMETRIC_FACE_MIN_HEIGHT
        # The shape first: a landscape photo is the wrong photo, however large.
        if abs(width / height - FACE_ASPECT) > FACE_ASPECT * FACE_ASPECT_TOLERANCE:
            raise ImageRejected(
                "نسبت عرض به ارتفاع عکس چهره باید حدود ۳ به ۴ (ایستاده) باشد.",
                code="FACE_ASPECT_RATIO",
                extra={"width": width, "height": height},
            )
        if width < min_width or height < min_height:
            raise ImageRejected(
                f"عکس چهره دست‌کم باید {persian_digits(min_width)}×{persian_digits(min_height)} "
                f"نقطه باشد؛ این عکس {persian_digits(width)}×{persian_digits(height)} است.",
                code="FACE_TOO_SMALL",
                extra={"width": width, "height": height},
            )
    else:
        minimum = settings.BIOMETRIC_FINGER_MIN_PIXELS
        if width < minimum or height < minimum:
            raise ImageRejected(
                f"تصویر اثر انگشت دست‌کم باید {persian_digits(minimum)}×{persian_digits(minimum)} "
                "نقطه باشد.",
                code="FINGER_TOO_SMALL",
                extra={"width": width, "height": height},
            )
    return CheckedImage(
        data=data,
        content_type=FORMATS[fmt],
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
    )
