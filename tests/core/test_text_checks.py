"""The check every text field goes through: no control characters (Unicode's Cc, and the
surrogates, Cs), no noncharacters; tab and line breaks only where long text allows them."""

import unicodedata

import pytest

from app.core.schemas import _REFUSED, _REFUSED_IN_LONG_TEXT, _no_controls, is_noncharacter

# Every code point near the edges of what is refused, and text that is not printable but
# allowed (no-break and other spaces, direction marks, line and paragraph separators).
CODE_POINTS = sorted(
    {
        *range(0x00, 0xA1),
        *range(0xD7FF, 0xE001),
        *range(0xFDCF, 0xFDF1),
        *(plane | last for plane in range(0, 0x110000, 0x10000) for last in range(0xFFFD, 0x10000)),
        *(plane for plane in range(0x10000, 0x110000, 0x10000)),
        0x00A0,
        0x061C,
        0x200E,
        0x200F,
        0x2028,
        0x2029,
        0x3000,
        0xFEFF,
        0xE0001,
    }
)


@pytest.mark.parametrize(
    ("refused", "allowed"),
    [(_REFUSED, frozenset()), (_REFUSED_IN_LONG_TEXT, frozenset("\n\r\t"))],
    ids=["name", "text"],
)
def test_exactly_control_characters_and_noncharacters_are_refused(refused, allowed):
    check = _no_controls(refused)
    for code in CODE_POINTS:
        char = chr(code)
        control = unicodedata.category(char) in ("Cc", "Cs") and char not in allowed
        refused = control or is_noncharacter(char)
        # After a line break too, where long text allows them (it is not printable).
        for text in [f"Temple{char}of Bel"] + ([f"Bel\n{char}"] if allowed else []):
            if refused:
                kind = "control characters" if control else "noncharacters"
                with pytest.raises(ValueError, match=f"{kind} \\(found U\\+{code:04X}\\)"):
                    check(text)
            else:
                assert check(text) == text
