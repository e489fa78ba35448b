from hypothesis import given
from hypothesis import strategies as st

from hoviat.applications.codes import (
    tracking_code_is_valid,
    tracking_code_new,
    tracking_code_parse,
)


def test_a_new_tracking_code_has_twelve_digits_and_validates():
    code = tracking_code_new()
    assert len(code) == 12 and code.isdigit() and code[0] != "0"
    assert tracking_code_is_valid(code)


@given(st.integers(min_value=0, max_value=11), st.integers(min_value=1, max_value=9))
def test_every_single_digit_typo_is_detected(position, delta):
    code = tracking_code_new()
    wrong = str((int(code[position]) + delta) % 10)
    assert not tracking_code_is_valid(code[:position] + wrong + code[position + 1 :])


@given(st.integers(min_value=0, max_value=10))
def test_every_swap_of_neighbouring_digits_is_detected(position):
    code = tracking_code_new()
    a, b = code[position], code[position + 1]
    if a != b:
        swapped = code[:position] + b + a + code[position + 2 :]
        assert not tracking_code_is_valid(swapped)


def test_persian_digits_and_spaces_are_accepted():
    code = tracking_code_new()
    typed = " ".join(code[i : i + 4] for i in range(0, 12, 4)).translate(
        str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    )
    assert tracking_code_parse(typed) == code
