"""The shared error summary and field includes (GOV.UK error summary and message patterns)."""

import pytest
from django import forms
from django.template import Context, Template

from hoviat.core.templatetags.forms import error_summary_items


class _Form(forms.Form):
    name = forms.CharField(label="نام", help_text="مانند شناسنامه")
    colour = forms.ChoiceField(
        label="رنگ", choices=[("r", "سرخ"), ("g", "سبز")], widget=forms.RadioSelect
    )
    agree = forms.BooleanField(label="می‌پذیرم")


def _render(form) -> str:
    return Template(
        '{% include "includes/error_summary.html" %}'
        '{% for field in form %}{% include "includes/field.html" %}{% endfor %}'
    ).render(Context({"form": form}))


def test_the_summary_links_every_error_to_its_field_or_first_option():
    form = _Form(data={})
    form.is_valid()
    form.add_error(None, "کل فرم نادرست است.")
    items = error_summary_items(form)
    assert [i["href"] for i in items] == ["#id_name", "#id_name", "#id_colour_0", "#id_agree"]
    assert items[0]["text"] == "کل فرم نادرست است."


def test_a_string_error_links_to_the_field_named():
    assert error_summary_items(None, "خطا", "id_x") == [{"text": "خطا", "href": "#id_x"}]
    assert error_summary_items(None, "") == []


def test_fields_are_marked_and_described_and_nothing_is_chosen_for_the_person():
    html = _render(_Form(data={}))
    assert 'role="alert"' in html and "مشکلی پیش آمده است" in html
    assert 'aria-describedby="id_name_help id_name_error"' in html
    assert 'id="id_colour_error"' in html and "<legend" in html
    assert html.count('aria-invalid="true"') == 4  # name, two radios, the checkbox
    assert "checked" not in html


def test_a_form_without_errors_has_no_summary():
    html = _render(_Form())
    assert "error-summary" not in html and "is-invalid" not in html


@pytest.mark.django_db
def test_a_wrong_password_gets_an_error_summary_and_both_fields_marked(client):
    html = client.post("/accounts/login/", {"username": "nobody", "password": "x"}).content.decode()
    assert "data-error-summary" in html and 'href="#id_username"' in html
    assert html.count('aria-describedby="login_error"') == 2
    assert 'value="nobody"' in html
