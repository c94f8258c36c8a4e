"""Regex strategies built once per process, for the Schemathesis runs (CLI and in process)."""

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies._internal.lazy import unwrap_strategies


def remember_regex_strategies() -> None:
    """Build each regex strategy once per run.

    Schemathesis asks Hypothesis for `from_regex(pattern, alphabet=…)` with a new alphabet
    strategy each time, which Hypothesis's own cache cannot recognise, so the
    registered-language-tag pattern (19 KB) was parsed and turned into a strategy again for
    every case: a third of the CLI's time. A strategy is an immutable description, so one
    built for the same pattern, flags and alphabet (their `repr`) serves every later ask.

    What is kept is the built strategy, not Hypothesis's lazy stand-in for it: each
    `.filter()` on a lazy strategy makes a new one that builds the regex again (twice, when
    the alphabet is itself lazy), and Schemathesis filters every pattern it draws from, so
    the language-tag pattern was still built 24 times per CLI run (0.4 s each).
    """
    if getattr(st.from_regex, "remembers", False):
        return
    built: dict[tuple, st.SearchStrategy] = {}
    build = st.from_regex

    def from_regex(regex, *, fullmatch=False, alphabet=None):
        pattern = regex if isinstance(regex, str | bytes) else (regex.pattern, regex.flags)
        key = (pattern, fullmatch, repr(alphabet))
        if key not in built:
            lazy = build(regex, fullmatch=fullmatch, alphabet=unwrap_strategies(alphabet))
            try:
                built[key] = unwrap_strategies(lazy)
            except InvalidArgument:
                # Refused when validated, where the caller expects it (not when asked for).
                built[key] = lazy
        return built[key]

    from_regex.remembers = True
    st.from_regex = from_regex
