"""The integrator guide on the site (`/inquiry/guide/`) and README's partner example
(issue 16, item 10)."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from hoviat.inquiry.models import Partner
from hoviat.inquiry.reasons import ATTRIBUTES

ROOT = Path(settings.BASE_DIR)


def test_the_guide_is_served_as_a_persian_first_page(db):
    page = Client().get("/inquiry/guide/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'dir="rtl"' in html
    # The guide's own first heading (Persian) is the page's heading, before the English one.
    assert html.index("راهنمای بانک‌ها و دستگاه‌ها") < html.index("integrator guide")
    main = html[html.index("<main") :]  # the site's navigation is labelled «فهرست اصلی»
    assert main.index("integrator guide") < main.index("فهرست")  # titles, then contents
    # Sections have anchors and a contents list; tables scroll in their own box; code is LTR.
    assert '<h2 id="section-1"' in html and 'href="#section-1"' in html
    assert '<div class="table-responsive guide-table"><table' in html
    assert '<pre class="guide-code" dir="ltr"><code>curl -sS' in html
    assert '<td dir="auto"><code>BANK_ACCOUNT_OPENING</code></td>' in html
    assert "inquiry/guide.css" in html  # its style comes from a static file (CSP)


def test_the_guide_escapes_html_in_the_markdown(tmp_path, monkeypatch, db):
    from hoviat.inquiry import guide_doc

    source = tmp_path / "inquiry.md"
    source.write_text("# عنوان\n\n<script>alert(1)</script>\n\n## بخش\n", encoding="utf-8")
    monkeypatch.setattr(guide_doc, "guide_path", lambda: source)
    html = Client().get("/inquiry/guide/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_integrator_page_and_readme_link_to_the_guide(db):
    page = Client().get("/inquiry/").content.decode()
    assert 'href="/inquiry/guide/"' in page
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "/inquiry/guide/" in readme


def _readme_partner_command() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r'`(hoviat partner create "[^`]+)`', readme)
    assert found is not None, 'README has no `hoviat partner create "…"` example'
    return shlex.split(found.group(1))[1:]  # without "hoviat"


def _attributes_the_guide_shows(scopes: list[str]) -> set[str]:
    """Answer fields in the guide's example answers of these scopes (lines with "result")."""
    guide = (ROOT / "docs" / "inquiry.md").read_text(encoding="utf-8")
    shown: set[str] = set()
    for section in re.split(r"^### ", guide, flags=re.M):
        scope = re.search(r"scope `(\w+)`", section.splitlines()[0] if section else "")
        if scope is None or scope.group(1) not in scopes:
            continue
        for line in section.splitlines():
            if '"result"' in line:
                shown |= set(re.findall(r'"(\w+)"', line)) & set(ATTRIBUTES)
    return shown


def test_readmes_partner_example_grants_what_the_guides_answers_show(saras_card):
    args = _readme_partner_command()
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    raw = out.getvalue().strip().splitlines()[-1]
    partner = Partner.objects.get()
    shown = _attributes_the_guide_shows(partner.scopes)
    assert {"card_status", "expires_on", "application_status", "receipt_valid_until"} <= shown
    assert shown <= set(partner.attributes)

    # The bank asks about Sara's card with the key the example printed: nothing is null.
    answer = Client(headers={"X-API-Key": raw}).post(
        "/api/v1/inquiry/card",
        {
            "national_code": "0499370899",
            "card_serial": saras_card.csn,
            "purpose": "BANK_ACCOUNT_OPENING",
        },
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content.decode()
    body = answer.json()
    assert body["result"] == "valid"
    assert body["card_status"] == "active"
    assert body["expires_on"] is not None


@pytest.mark.parametrize("scopes", [["card"], ["receipt"]])
def test_the_guide_shows_answer_fields_for_each_scope(scopes):
    assert _attributes_the_guide_shows(scopes)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_guide_reads_on_a_phone_without_sideways_scrolling(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/inquiry/")
    page.get_by_test_id("guide-link").click()
    page.wait_for_url("**/inquiry/guide/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # English paragraphs read left to right inside the Persian page; code blocks too.
    english = page.get_by_text("Your organisation is registered", exact=False)
    assert english.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert (
        page.locator("pre.guide-code").first.evaluate("e => getComputedStyle(e).direction") == "ltr"
    )
    page.get_by_role("link", name="۵. کدهای علت", exact=False).click()
    assert page.url.endswith("#section-5")
