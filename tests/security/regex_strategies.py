"""Regex strategies built once per process, for the Schemathesis runs (CLI and in process)."""

from hypothesis import strategies as st


def remember_regex_strategies() -> None:
    """Build each regex strategy once per run. Schemathesis asks Hypothesis for
    `from_regex(pattern, alphabet=…)` with a new alphabet strategy each time, which Hypothesis's
    own cache cannot recognise, so the registered-language-tag pattern (19 KB) was parsed and
    turned into a strategy again for every case: a third of the CLI's time. A strategy is an
    immutable description, so one built for the same pattern, flags and alphabet (their `repr`)
    serves every later ask unchanged."""
    if getattr(st.from_regex, "remembers", False):
        return
    built: dict[tuple, st.SearchStrategy] = {}
    build = st.from_regex

    def from_regex(regex, *, fullmatch=False, alphabet=None):
        pattern = regex if isinstance(regex, str | bytes) else (regex.pattern, regex.flags)
        key = (pattern, fullmatch, repr(alphabet))
        if key not in built:
            built[key] = build(regex, fullmatch=fullmatch, alphabet=alphabet)
        return built[key]

    from_regex.remembers = True
    st.from_regex = from_regex
