import pytest
from django.core.exceptions import ValidationError

from orgs.identifiers import (
    civil_affairs_type,
    identifier_problem,
    make_org_id,
    uscc_check_character,
    uscc_problem,
    validate_ein,
    validate_uscc,
)
from tests.factories import make_uscc

# Published codes: the GB 32100-2015 worked example and a national foundation's.
VALID_CODES = ["91350100M000100Y43", "91110000600037341L", "53100000500021676K"]


@pytest.mark.parametrize("code", VALID_CODES)
def test_published_codes_pass_the_check_character(code):
    assert uscc_problem(code) is None
    validate_uscc(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y44", "check character is 4, expected 3"),
        ("53100000500021676A", "expected K"),
        ("91350100M000100Y4", "must be 18 characters, got 17"),
        ("91350100M000100Y433", "must be 18 characters, got 19"),
        ("91350100I000100Y43", "outside the GB 32100-2015 charset: I"),
        ("91350100o000100Y43", "outside the GB 32100-2015 charset: o"),
        ("9135010OS000100Y43", "outside the GB 32100-2015 charset: OS"),
    ],
)
def test_invalid_codes_say_why(code, reason):
    problem = uscc_problem(code)
    assert problem is not None
    assert reason in problem
    with pytest.raises(ValidationError):
        validate_uscc(code)


def test_check_character_uses_weights_3_pow_i_mod_31():
    # Worked example: sum of value * weight = 1640, 1640 % 31 = 28, 31 - 28 = 3,
    # and the charset's character with value 3 is "3".
    assert uscc_check_character("91350100M000100Y4") == "3"


def test_civil_affairs_type_digit():
    assert civil_affairs_type("53100000500021676K") == "foundation"
    assert civil_affairs_type(make_uscc("social_group")) == "social_group"
    assert (
        civil_affairs_type(make_uscc("social_service_agency"))
        == "social_service_agency"
    )
    assert civil_affairs_type("91350100M000100Y43") is None


@pytest.mark.parametrize("ein", ["530196605", "000000001"])
def test_valid_eins(ein):
    validate_ein(ein)
    assert identifier_problem("US-IRS", ein) is None


@pytest.mark.parametrize(
    "ein", ["53-0196605", "53019660", "5301966050", "ABCDEFGHI", ""]
)
def test_invalid_eins(ein):
    assert identifier_problem("US-IRS", ein) is not None


def test_org_ids_follow_org_id_guide_prefixes():
    assert make_org_id("US-IRS", "530196605") == "US-EIN-530196605"
    assert make_org_id("GB-CCNI", "100002") == "GB-NIC-100002"
    assert make_org_id("CN-MCA", "53100000500021676K") == "CN-USCC-53100000500021676K"
