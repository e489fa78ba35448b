"""Form helpers shared by every page (GOV.UK error summary and error message patterns).

`{{ field|control }}` renders a field's widget marked invalid when it has errors (`is-invalid`,
`aria-invalid`) and tied to its help text and message (`aria-describedby`);
`{% error_summary_items form %}` lists the errors for the summary at the top of the page, each
linking to its field's id.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField

register = template.Library()

_GROUPED = {"radioselect", "checkboxselectmultiple"}


def is_grouped(field: BoundField) -> bool:
    """Radios and checkbox groups: one fieldset with a legend, not one labelled input."""
    return field.widget_type in _GROUPED


def field_anchor(field: BoundField) -> str:
    """The id the summary links to: the input itself, or the first option of a group."""
    auto_id = field.auto_id or f"id_{field.html_name}"
    return f"{auto_id}_0" if is_grouped(field) else auto_id


def described_by(field: BoundField) -> str:
    auto_id = field.auto_id or f"id_{field.html_name}"
    ids = []
    if field.help_text:
        ids.append(f"{auto_id}_help")
    if field.errors:
        ids.append(f"{auto_id}_error")
    return " ".join(ids)


@register.filter
def grouped(field: BoundField) -> bool:
    return is_grouped(field)


@register.filter
def anchor(field: BoundField) -> str:
    return field_anchor(field)


@register.filter
def describedby(field: BoundField) -> str:
    return described_by(field)


@register.filter
def control(field: BoundField, extra_class: str = ""):
    """The widget with Bootstrap's class, `is-invalid`, `aria-invalid` and `aria-describedby`."""
    widget_attrs = field.field.widget.attrs
    if field.widget_type == "checkbox" or is_grouped(field):
        base = "form-check-input"
    elif field.widget_type == "select":
        base = "form-select"
    else:
        base = "form-control"
    classes = widget_attrs.get("class") or base
    if extra_class:
        classes = f"{classes} {extra_class}"
    attrs: dict[str, Any] = {}
    if field.errors:
        classes = f"{classes} is-invalid"
        attrs["aria-invalid"] = "true"
    attrs["class"] = classes
    if not is_grouped(field) and (ids := described_by(field)):
        attrs["aria-describedby"] = ids
    return field.as_widget(attrs=attrs)


@register.simple_tag
def error_summary_items(form=None, error: Any = None, error_field: str = "") -> list[dict]:
    """The summary's lines: each {"text", "href"}; `href` empty for an error of the whole form.

    `error` (a string, or a DomainError with `.detail`) is for pages whose form is written by
    hand; `error_field` is the id of the field it is about, when there is one.
    """
    items: list[dict] = []
    if hasattr(form, "non_field_errors"):
        first = next((f for f in form if not f.is_hidden), None)
        for text in form.non_field_errors():
            items.append({"text": text, "href": f"#{field_anchor(first)}" if first else ""})
        for field in form:
            if field.is_hidden:
                continue
            for text in field.errors:
                items.append({"text": text, "href": f"#{field_anchor(field)}"})
    if error:
        text = getattr(error, "detail", error)
        items.append({"text": text, "href": f"#{error_field}" if error_field else ""})
    return items


@register.filter
def split_list(value: str, sep: str = ",") -> list[str]:
    """ "a,b,c"|split_list → ["a", "b", "c"] (fixed lists written in a template)."""
    return [part.strip() for part in str(value).split(sep)]
