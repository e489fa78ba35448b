"""Reading a receipt's QR code from an uploaded picture (PNG or JPEG) or the receipt's PDF."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

import zxingcpp
from django.conf import settings
from PIL import Image, UnidentifiedImageError

from hoviat.core.errors import ValidationFailed
from hoviat.pki.digital_cards import is_card_qr
from hoviat.pki.receipts import PREFIX

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Larger pictures are scaled down before decoding: a receipt QR still has several pixels per
# module at this size, and decoding time grows with the pixel count.
DECODE_SIDE = 2400
PDF_RENDER_SIDE = 2000
PDF_TIMEOUT_SECONDS = 20


class UnreadableImage(ValidationFailed):
    code = "RECEIPT_IMAGE_UNREADABLE"
    default_detail = "کد QR در تصویر پیدا نشد. تصویری واضح‌تر و روبه‌رو از رسید بفرستید."


def _pdf_first_page(data: bytes) -> bytes:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise UnreadableImage(
            "فایل PDF پذیرفته نمی‌شود؛ تصویر PNG یا JPEG رسید را بفرستید.",
            code="RECEIPT_PDF_UNSUPPORTED",
        )
    with tempfile.TemporaryDirectory(prefix="hoviat-receipt-") as folder:
        source, target = Path(folder) / "receipt.pdf", Path(folder) / "page"
        source.write_bytes(data)
        try:
            # First page only, bounded in size and time: the PDF comes from a stranger.
            subprocess.run(  # noqa: S603 (fixed program and arguments; the PDF is a file)
                [
                    pdftoppm,
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    "-png",
                    "-scale-to",
                    str(PDF_RENDER_SIDE),
                    str(source),
                    str(target),
                ],
                check=True,
                capture_output=True,
                timeout=PDF_TIMEOUT_SECONDS,
            )
            return target.with_suffix(".png").read_bytes()
        except (subprocess.SubprocessError, OSError):
            raise UnreadableImage("فایل PDF خوانده نشد.", code="RECEIPT_PDF_UNREADABLE") from None


def _grayscale(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb warning, for sizes this module refuses just below anyway.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        with image:
            if image.format not in {"PNG", "JPEG"}:
                raise UnreadableImage(
                    "فایل باید تصویر PNG یا JPEG یا PDF رسید باشد.", code="RECEIPT_IMAGE_TYPE"
                )
            if image.format == "JPEG":
                # JPEG decodes at 1/2, 1/4 or 1/8 scale for free: a 48-megapixel phone photo
                # costs what a 3-megapixel one does.
                image.draft("L", (DECODE_SIDE, DECODE_SIDE))
            width, height = image.size  # from the header: nothing is decoded yet
            # A small PNG that claims 30000×30000 is an attack on memory: refused here,
            # before its pixels are decoded (settings.IMAGE_MAX_PIXELS).
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise UnreadableImage(
                    "ابعاد تصویر بیش از حد بزرگ است.", code="RECEIPT_IMAGE_TOO_LARGE"
                )
            gray = image.convert("L")
    except Image.DecompressionBombError:  # Pillow's own backstop (core/apps.py)
        raise UnreadableImage(
            "ابعاد تصویر بیش از حد بزرگ است.", code="RECEIPT_IMAGE_TOO_LARGE"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise UnreadableImage(
            "فایل باید تصویر PNG یا JPEG یا PDF رسید باشد.", code="RECEIPT_IMAGE_TYPE"
        ) from None
    gray.thumbnail((DECODE_SIDE, DECODE_SIDE))
    return gray


def receipt_qr_text_from_image(*, data: bytes) -> str:
    """The text of the receipt's QR code in a picture or PDF of the receipt."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UnreadableImage("حجم فایل بیش از ۵ مگابایت است.", code="RECEIPT_IMAGE_TOO_BIG")
    if data.startswith(b"%PDF-"):
        data = _pdf_first_page(data)
    found = [
        barcode.text
        for barcode in zxingcpp.read_barcodes(
            _grayscale(data), formats=zxingcpp.BarcodeFormat.QRCode
        )
    ]
    if not found:
        raise UnreadableImage()
    # A picture may hold other codes too (a bank's own sticker): prefer the receipt's or the
    # digital card's.
    ours = [
        text for text in found if text.strip()[: len(PREFIX)].upper() == PREFIX or is_card_qr(text)
    ]
    return (ours or found)[0]
