"""The public page where a bank clerk (or anyone) checks a receipt by its QR code."""

import io
import shutil

import pytest
import segno
from django.test import Client
from PIL import Image
from playwright.sync_api import expect

from hoviat.pki import services
from tests.costly import peak_memory, png_bomb

pytestmark = pytest.mark.django_db
URL = "/pki/verify/"


@pytest.fixture
def receipt_text(current_claims):
    return services.receipt_qr_sign(claims=current_claims)


def qr_png(text: str) -> bytes:
    buffer = io.BytesIO()
    segno.make_qr(text, error="m").save(buffer, kind="png", scale=4)
    return buffer.getvalue()


def upload(name: str, data: bytes, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


def verdict_of(response) -> str:
    html = response.content.decode()
    marker = 'data-status="'
    assert marker in html, "no verdict on the page"
    return html.split(marker, 1)[1].split('"', 1)[0]


def test_the_page_offers_a_text_box_and_a_file_input(client):
    html = client.get(URL).content.decode()

    assert "بررسی اصالت رسید" in html
    assert 'name="text"' in html
    assert 'type="file"' in html
    assert 'enctype="multipart/form-data"' in html


def test_pasting_a_valid_qr_text_shows_the_receipt_in_persian(client, receipt_text, current_claims):
    response = client.post(URL, {"text": f"  {receipt_text}\n"})

    assert response.status_code == 200
    assert verdict_of(response) == "valid"
    html = response.content.decode()
    assert "رسید معتبر است" in html
    assert "سارا محمدی" in html
    assert "۰۴۹۹۳۷۰۸۹۹" in html  # the national code, in full and in Persian digits
    assert "۱۴ مرداد ۱۳۷۰" in html  # birth date, Jalali
    assert "۱۴۰۵۱۲۳۴۵۶۷۸" in html


def test_uploading_a_png_of_the_qr_code_verifies_it(client, receipt_text):
    response = client.post(URL, {"image": upload("receipt.png", qr_png(receipt_text), "image/png")})

    assert verdict_of(response) == "valid"


def test_uploading_a_jpeg_photo_of_the_receipt_verifies_it(client, receipt_text):
    # A grey-paper photo: the QR drawn smaller on a larger, off-white page, saved as JPEG.
    page = Image.new("L", (1200, 1600), 225)
    page.paste(Image.open(io.BytesIO(qr_png(receipt_text))), (700, 200))
    buffer = io.BytesIO()
    page.save(buffer, "JPEG", quality=80)

    response = client.post(URL, {"image": upload("photo.jpg", buffer.getvalue(), "image/jpeg")})

    assert verdict_of(response) == "valid"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is not installed")
def test_uploading_the_receipt_pdf_reads_the_qr_code_on_its_first_page(client, receipt_text):
    page = Image.new("RGB", (1240, 1754), "white")  # A4 at 150 dpi
    page.paste(Image.open(io.BytesIO(qr_png(receipt_text))), (800, 150))
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=150)

    response = client.post(
        URL, {"image": upload("receipt.pdf", buffer.getvalue(), "application/pdf")}
    )

    assert verdict_of(response) == "valid"


def test_a_tampered_text_shows_a_red_verdict_without_the_claims(client, receipt_text):
    tampered = receipt_text[:-12] + ("0" if receipt_text[-12] != "0" else "1") + receipt_text[-11:]

    response = client.post(URL, {"text": tampered})

    assert verdict_of(response) in {"tampered", "malformed"}
    assert "border-danger" in response.content.decode()
    assert "سارا" not in response.content.decode()


def test_uploading_garbage_is_a_clear_error(client):
    response = client.post(
        URL, {"image": upload("receipt.png", b"\x89PNG not really", "image/png")}
    )

    assert response.status_code == 200
    assert 'data-status="' not in response.content.decode()
    assert "فایل باید تصویر PNG یا JPEG یا PDF رسید باشد." in response.content.decode()


def test_a_picture_without_a_qr_code_says_none_was_found(client):
    buffer = io.BytesIO()
    Image.new("L", (300, 300), 255).save(buffer, "PNG")

    response = client.post(URL, {"image": upload("blank.png", buffer.getvalue(), "image/png")})

    assert "کد QR در تصویر پیدا نشد" in response.content.decode()


def test_a_gif_or_an_oversized_file_is_refused(client):
    buffer = io.BytesIO()
    Image.new("L", (30, 30), 255).save(buffer, "GIF")
    gif = client.post(URL, {"image": upload("x.gif", buffer.getvalue(), "image/gif")})
    big = client.post(URL, {"image": upload("x.png", b"\0" * (5 * 1024 * 1024 + 1), "image/png")})

    assert "فایل باید تصویر PNG یا JPEG یا PDF رسید باشد." in gif.content.decode()
    assert "حجم فایل بیش از ۵ مگابایت است." in big.content.decode()


def test_an_image_claiming_enormous_dimensions_is_refused_before_decoding(client):
    buffer = io.BytesIO()
    Image.new("1", (10_000, 10_000), 1).save(buffer, "PNG")  # compresses to a few kilobytes

    response = client.post(URL, {"image": upload("bomb.png", buffer.getvalue(), "image/png")})

    assert "ابعاد تصویر بیش از حد بزرگ است." in response.content.decode()


def test_an_empty_form_asks_for_the_text_or_an_image(client):
    response = client.post(URL, {"text": "   "})

    assert "متن کد QR رسید را بچسبانید یا تصویر رسید را بفرستید." in response.content.decode()


def test_the_page_is_rate_limited_per_address(client, settings):
    settings.PKI_VERIFY_RATE_PER_MINUTE = 2
    for _ in range(2):
        assert client.post(URL, {"text": "HVR1:x"}).status_code == 200

    response = client.post(URL, {"text": "HVR1:x"})

    assert response.status_code == 429
    assert "تعداد درخواست‌ها بیش از حد مجاز است" in response.content.decode()
    other = client.post(URL, {"text": "HVR1:x"}, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 200


def test_the_form_needs_its_csrf_token():
    assert Client(enforce_csrf_checks=True).post(URL, {"text": "HVR1:x"}).status_code == 403


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_clerk_pastes_the_qr_text_on_a_phone_and_sees_it_is_valid(
    browser, live_server, current_claims
):
    text = services.receipt_qr_sign(claims=current_claims)
    context = browser.new_context(
        locale="fa-IR",
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
    )
    page = context.new_page()
    page.goto(URL)

    page.get_by_label("متن کد QR رسید").fill(text)
    page.get_by_role("button", name="بررسی رسید").click()

    expect(page.get_by_test_id("verdict-title")).to_have_text("✔ رسید معتبر است")
    expect(page.get_by_test_id("name")).to_have_text("سارا محمدی")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()


def test_a_png_declaring_40_million_pixels_is_refused_from_its_header_within_100_mb(client):
    # 6000 × 6600 was just under the old 40-million limit: decoded, then made grey, ~160 MB.
    bomb = png_bomb(6000, 6600)

    with peak_memory() as peak:
        response = client.post(URL, {"image": upload("bomb.png", bomb, "image/png")})

    assert "ابعاد تصویر بیش از حد بزرگ است." in response.content.decode()
    assert peak.megabytes < 100
