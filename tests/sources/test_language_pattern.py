"""The language tag `pattern` the OpenAPI document declares takes exactly the subtags of the
IANA registry that langcodes checks against (`_language_tag`), in any case, so generated
clients and fuzzers send only tags the server takes, and the server takes no tag the
document refuses."""

import itertools
import re
import string

import pytest
from langcodes.data_dicts import VALIDITY

from app.sources.schemas import _registered_tags


@pytest.fixture(scope="module")
def pattern() -> re.Pattern[str]:
    schema: dict = {}
    _registered_tags(schema)
    return re.compile(schema["pattern"])


def _words(alphabet: str, length: int) -> list[str]:
    return ["".join(letters) for letters in itertools.product(alphabet, repeat=length)]


def test_every_two_and_three_letter_language_is_taken_exactly_when_registered(pattern):
    for word in _words(string.ascii_lowercase, 2) + _words(string.ascii_lowercase, 3):
        registered = VALIDITY.fullmatch(word) is not None
        for written in (word, word.upper(), word.capitalize()):
            assert (pattern.fullmatch(written) is not None) == registered, written


def test_scripts_and_regions_follow_the_registry_too(pattern):
    rests = _words(string.ascii_lowercase, 3)
    for script in (first + rest for first in "LACH" for rest in rests):
        registered = VALIDITY.fullmatch(script) is not None
        for written in (script, script.lower(), script.upper()):
            assert (pattern.fullmatch(f"ar-{written}") is not None) == registered, written
    regions = _words(string.ascii_uppercase, 2) + _words(string.digits, 3)
    for region in regions:
        registered = VALIDITY.fullmatch(region) is not None
        for written in (region, region.lower()):
            assert (pattern.fullmatch(f"fr-{written}") is not None) == registered, written
    assert pattern.fullmatch("ar-Latn-SY") and pattern.fullmatch("SYC")
