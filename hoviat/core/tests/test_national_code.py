"""The national code: FACTS.md's rule, and what it can and cannot catch."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hoviat.core.national_code import (
    InvalidNationalCode,
    check_digit,
    is_valid_national_code,
    make_national_code,
    parse_national_code,
)

prefixes = st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")
sequences = st.integers(min_value=0, max_value=999_999)
valid_codes = st.builds(make_national_code, prefixes, sequences).filter(
    lambda code: len(set(code)) > 1
)


def weighted_sum(code: str) -> int:
    return sum(int(digit) * (10 - index) for index, digit in enumerate(code[:9]))


@st.composite
def codes_ending_in_1(draw):
    """Valid codes whose check digit is 1 (r = 1 or r = 10), built rather than filtered."""
    first_eight = draw(st.text("0123456789", min_size=8, max_size=8))
    partial = weighted_sum(first_eight + "0")
    targets = draw(st.permutations([1, 10]))
    # The ninth digit has weight 2, and 6 is the inverse of 2 mod 11.
    ninths = [((target - partial) * 6) % 11 for target in targets]
    ninth = next(digit for digit in ninths if digit < 10)
    code = f"{first_eight}{ninth}1"
    assume(len(set(code)) > 1)
    return code


def single_digit_changes(code: str):
    for position in range(10):
        for digit in "0123456789":
            if digit != code[position]:
                yield position, code[:position] + digit + code[position + 1 :]


def reason(raw: str) -> str:
    with pytest.raises(InvalidNationalCode) as caught:
        parse_national_code(raw)
    return caught.value.code


def test_the_worked_example_from_the_facts_holds():
    assert weighted_sum("0499370899") == 266
    assert 266 % 11 == 2
    assert check_digit("049937089") == 9
    assert parse_national_code("0499370899") == "0499370899"


@pytest.mark.parametrize(
    ("prefix", "sequence"),
    [
        ("49", 937089),
        ("0499", 37089),
        ("۰۴۹", 937089),
        ("049", -1),
        ("049", 1_000_000),
    ],
)
def test_make_national_code_refuses_a_prefix_or_sequence_that_does_not_fit(prefix, sequence):
    with pytest.raises(ValueError):
        make_national_code(prefix, sequence)


@pytest.mark.parametrize(
    ("first_nine", "remainder", "check"),
    [
        ("000000014", 0, 0),  # s = 3 + 8 = 11
        ("000000006", 1, 1),  # s = 12
        ("000000005", 10, 1),  # s = 10: 11 − 10 = 1 as well
        ("000000001", 2, 9),  # s = 2
    ],
)
def test_a_remainder_below_two_is_the_check_digit_and_the_rest_are_eleven_minus_it(
    first_nine, remainder, check
):
    assert weighted_sum(first_nine) % 11 == remainder
    assert check_digit(first_nine) == check


@given(prefixes, sequences)
def test_every_code_made_by_make_national_code_validates(prefix, sequence):
    code = make_national_code(prefix, sequence)
    assert len(code) == 10
    assert code.startswith(prefix)
    assert code[3:9] == f"{sequence:06d}"
    if len(set(code)) > 1:
        assert parse_national_code(code) == code
    else:  # e.g. 1111111111: the sum holds, but the rule refuses it
        assert reason(code) == "NATIONAL_CODE_REPEATED"


@given(valid_codes.filter(lambda code: code[9] != "1"))
def test_every_single_digit_change_is_rejected_when_the_check_digit_is_not_1(code):
    for _position, changed in single_digit_changes(code):
        assert not is_valid_national_code(changed), changed


@given(valid_codes)
def test_every_change_of_the_check_digit_itself_is_rejected(code):
    for digit in "0123456789":
        if digit != code[9]:
            assert not is_valid_national_code(code[:9] + digit)


@given(codes_ending_in_1())
def test_a_single_digit_change_passes_only_by_swapping_remainder_1_and_10(code):
    """The truth: the r < 2 rule maps both r = 1 and r = 10 to check digit 1.

    In positions 1-9 a change always moves s mod 11 (the weights 10..2 are invertible mod 11),
    so it is caught whenever the check digit names a single remainder; but a code ending in 1
    has r = 1 or r = 10, and a change that moves r from one to the other still passes.
    """
    assert parse_national_code(code) == code
    remainder = weighted_sum(code) % 11
    assert remainder in (1, 10)
    for position, changed in single_digit_changes(code):
        if is_valid_national_code(changed):
            assert position < 9
            assert weighted_sum(changed) % 11 == 11 - remainder


def test_a_single_digit_change_of_a_code_ending_in_1_can_still_pass():
    # 0499370821 has r = 10; a 9 in front makes r = 1; both end in check digit 1.
    assert weighted_sum("0499370821") % 11 == 10
    assert weighted_sum("9499370821") % 11 == 1
    assert is_valid_national_code("0499370821")
    assert is_valid_national_code("9499370821")


def test_every_single_digit_change_in_the_first_nine_moves_the_remainder():
    # Why the rule catches the rest: weight·delta is never 0 mod 11 for weights 2..10.
    for weight in range(2, 11):
        for delta in range(1, 10):
            assert (weight * delta) % 11 != 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("41234561", "0041234561"),  # eight digits
        ("499370899", "0499370899"),  # nine digits: Sara's code without its leading zero
    ],
)
def test_eight_or_nine_digits_are_left_padded_with_zeros(raw, expected):
    assert parse_national_code(raw) == expected


@pytest.mark.parametrize("digit", "0123456789")
def test_all_equal_digits_are_refused_even_though_the_sum_holds(digit):
    code = digit * 10
    assert check_digit(code[:9]) == int(code[9])
    assert reason(code) == "NATIONAL_CODE_REPEATED"


def test_persian_digits_are_accepted():
    assert parse_national_code("۰۴۹۹۳۷۰۸۹۹") == "0499370899"


def test_arabic_indic_digits_are_accepted():
    assert parse_national_code("٠٤٩٩٣٧٠٨٩٩") == "0499370899"


@pytest.mark.parametrize(
    "raw", ["049-937089-9", "049 937 089 9", " 0499370899 ", "۰۴۹-۹۳۷۰۸۹-۹", "049\u200e9370899"]
)
def test_spaces_dashes_and_marks_are_ignored(raw):
    assert parse_national_code(raw) == "0499370899"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "NATIONAL_CODE_MISSING"),
        ("   ", "NATIONAL_CODE_MISSING"),
        (None, "NATIONAL_CODE_MISSING"),
        ("04993a0899", "NATIONAL_CODE_FORMAT"),
        ("0499370899+", "NATIONAL_CODE_FORMAT"),
        ("1234567", "NATIONAL_CODE_LENGTH"),
        ("04993708990", "NATIONAL_CODE_LENGTH"),
        ("1111111111", "NATIONAL_CODE_REPEATED"),
        ("00000000", "NATIONAL_CODE_REPEATED"),
        ("0499370898", "NATIONAL_CODE_CHECKSUM"),
    ],
)
def test_each_kind_of_bad_code_has_its_own_error_code(raw, code):
    assert reason(raw) == code


def test_a_bad_code_is_a_422_validation_problem_with_persian_detail():
    with pytest.raises(InvalidNationalCode) as caught:
        parse_national_code("0499370898")
    problem = caught.value.as_problem()
    assert problem["status"] == 422
    assert problem["code"] == "NATIONAL_CODE_CHECKSUM"
    assert "کد ملی" in problem["detail"]


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_the_check_digit_of_ascii_digits_is_the_weighted_sum_rule(first_nine):
    remainder = weighted_sum(first_nine) % 11
    assert check_digit(first_nine) == (remainder if remainder < 2 else 11 - remainder)


def test_persian_digits_get_the_same_check_digit_as_ascii_ones():
    # A log line may spell a code in Persian digits (core/logs.py looks for codes in any).
    persian = "049937089".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert check_digit(persian) == check_digit("049937089") == 9
