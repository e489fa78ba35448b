"""Persian text normalisation: one spelling for every letter, ASCII digits in codes."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hoviat.core.text import (
    ZWNJ,
    fold_digits,
    is_persian_name,
    normalize_code,
    normalize_text,
    persian_digits,
    persian_number,
)


def test_arabic_yeh_becomes_farsi_yeh():
    assert normalize_text("علي") == "علی"


def test_arabic_kaf_becomes_keheh():
    assert normalize_text("كاظمي") == "کاظمی"


def test_alef_maksura_becomes_farsi_yeh():
    assert normalize_text("موسى") == "موسی"


def test_tatweel_is_removed():
    assert normalize_text("محـــمد") == "محمد"


def test_a_madda_split_by_tatweel_is_composed_into_one_letter():
    assert normalize_text("ا\u0640\u0653رین") == "آرین"


def test_a_decomposed_alef_madda_is_composed():
    assert normalize_text("ا\u0653رین") == "آرین"


def test_direction_marks_and_zero_width_joiner_are_removed():
    assert normalize_text("\u200fعلی\u200d\u200e\ufeff") == "علی"


def test_spaces_are_collapsed_and_trimmed():
    assert normalize_text("  سارا \t\n  محمدی  ") == "سارا محمدی"


@pytest.mark.parametrize("space", ["\u00a0", "\u2009", "\u202f", "\u3000", "\u2028"])
def test_unusual_unicode_spaces_count_as_spaces(space):
    assert normalize_text(f"سارا{space}{space}محمدی{space}") == "سارا محمدی"


def test_zwnj_is_kept_inside_a_word():
    assert normalize_text("علی\u200cاکبر") == "علی\u200cاکبر"


def test_a_doubled_zwnj_is_collapsed():
    assert normalize_text("علی\u200c\u200c\u200cاکبر") == "علی\u200cاکبر"


@pytest.mark.parametrize(
    "raw",
    [
        "علی \u200cاکبر",
        "علی\u200c اکبر",
        "علی \u200c اکبر",
        "علی\u200c \u200cاکبر",
        "علی \u200c \u200c اکبر",
    ],
)
def test_a_zwnj_next_to_a_space_is_dropped(raw):
    assert normalize_text(raw) == "علی اکبر"


def test_zwnj_at_either_end_is_dropped():
    assert normalize_text("\u200cعلی\u200c") == "علی"


def test_digits_are_left_alone_in_free_text_but_folded_in_codes():
    assert normalize_text("پلاک ۱۲") == "پلاک ۱۲"
    assert fold_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"
    assert fold_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert normalize_code(" ۱۲۳-٤٥٦ ۷۸۹/۰ ") == "1234567890"


def test_persian_digits_are_shown_for_ascii_ones():
    assert persian_digits(1403) == "۱۴۰۳"
    assert persian_digits("09171234567") == "۰۹۱۷۱۲۳۴۵۶۷"


@pytest.mark.parametrize(
    "name",
    [
        "محمدرضا",
        "علی\u200cاکبر",
        "مؤمن",
        "آرین",
        "سارا محمدی",
        "ژاله",
        "چنگیز",
        "گلپایگانی",
        "پروین",
        "رئوف",
        "ذکاء",
    ],
)
def test_persian_names_are_recognised(name):
    assert is_persian_name(name)


@pytest.mark.parametrize(
    "name", ["Sara", "سارا2", "سارا۲", "فاطمة", "علي", "كاظم", "", " ", ZWNJ, "سارا!", "مُحمّد"]
)
def test_latin_digits_arabic_only_letters_and_empty_names_are_not_persian_names(name):
    assert not is_persian_name(name)


def test_a_name_typed_with_arabic_letters_is_persian_once_normalised():
    assert is_persian_name(normalize_text("علي كاظمي"))


persianish = st.text(
    alphabet=st.sampled_from(
        [
            *"علیياكکىـ آأإؤئءةمحرضا ۱۲٣٤45",
            ZWNJ,
            "\u200d",
            "\u200e",
            "\u200f",
            "\ufeff",
            "\u00a0",
            "\u2009",
            "\t",
            "\n",
            "\u0653",
            "\u0654",
            "\u064b",
        ]
    ),
    max_size=30,
)


@given(st.one_of(persianish, st.text(max_size=30)))
@example("a \u200c \u200c b")
@example("a\u2009\u200c")
@example("ا\u0640\u0653")
@example("a\u200c \u200cb")
def test_normalize_text_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(persianish)
def test_normalized_text_has_no_doubled_separators_or_loose_ends(text):
    result = normalize_text(text)
    assert "  " not in result
    assert ZWNJ * 2 not in result
    assert f" {ZWNJ}" not in result and f"{ZWNJ} " not in result
    assert result == result.strip(" " + ZWNJ)
    assert not set(result) & set("يكىـ\u200d\u200e\u200f\ufeff\u00a0")


@given(st.text(max_size=30))
def test_normalize_code_is_idempotent(text):
    once = normalize_code(text)
    assert normalize_code(once) == once


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_a_number_for_people_has_persian_digits_and_the_persian_thousands_separator(value):
    shown = persian_number(value)
    assert not any(c in shown for c in "0123456789,.")
    # ٬ (U+066C) between every three digits, and nothing else added: it reads back exactly.
    assert int(fold_digits(shown.replace("\u066c", ""))) == value
    if abs(value) >= 1000:
        assert "\u066c" in shown


def test_a_decimal_for_people_has_the_persian_decimal_separator():
    assert persian_number(4997.25, 1) == "۴\u066c۹۹۷\u066b۲"
    assert persian_number(1234567) == "۱\u066c۲۳۴\u066c۵۶۷"
