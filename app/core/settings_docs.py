"""docs/configuration.md, written from `Settings` so that the page cannot drift from the code.

`heritage-registry docs configuration > docs/configuration.md` rewrites the page;
tests/docs/test_docs.py fails when the committed page differs from what this returns.
"""

import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from app.core.config import Settings

# Variables read outside `Settings`: by the Docker image, by the metrics library and by the
# tests. Listed here so that the page names every variable the service and its suite read.
OTHER_VARIABLES: dict[str, tuple[str, str]] = {
    "HERITAGE_WORKERS": ("`2`", "(Docker image only) worker processes the container serves with"),
    "PROMETHEUS_MULTIPROC_DIR": (
        "unset (`serve` sets it when `--workers` > 1)",
        "folder where each worker writes its metrics for `/metrics` to add up; must be empty "
        "at start",
    ),
    "HERITAGE_TEST_POSTGRES_URL": (
        "`postgresql+psycopg://postgres@127.0.0.1:5432/postgres`",
        "(tests only) server where the suite creates and drops its PostgreSQL databases",
    ),
    "HERITAGE_FUZZ_EXAMPLES": (
        "`2` (`make fuzz`: `6`)",
        "(tests only) Schemathesis examples per operation and mode, each sent as every caller, in "
        "`tests/security/test_fuzzing.py`",
    ),
    "HERITAGE_SCHEMATHESIS_EXAMPLES": (
        "`2` (`make fuzz`: `5`)",
        "(tests only) examples per operation (`-n`) of the Schemathesis CLI runs in "
        "`tests/security/test_schemathesis_cli.py`",
    ),
    "CI": (
        "unset",
        "(tests only) when set, an unreachable PostgreSQL fails the suite instead of skipping "
        "its PostgreSQL half",
    ),
}

_HEADER = """\
<!-- Generated from app.core.config.Settings by `heritage-registry docs configuration`.
     Edit the field descriptions there, then regenerate; tests/docs/test_docs.py fails when
     this page and the code disagree. -->

# Configuration

The service reads its settings from environment variables, or from a `.env` file in the
folder it starts in, all prefixed `{prefix}`. Every value is checked at start-up: one of the
wrong kind or out of range stops the service with a message naming the setting. Unknown
`{prefix}` variables are ignored, so check the spelling. Relative paths are relative to the
folder the service starts in.

| variable | accepts | default | meaning |
| --- | --- | --- | --- |
"""

_OTHERS = """
## Other environment variables

Read outside the settings above: by the Docker image, by the metrics library, by the tests.

| variable | default | meaning |
| --- | --- | --- |
"""

_KINDS: dict[Any, str] = {
    str: "text",
    int: "integer",
    float: "number",
    bool: "`true` or `false`",
    Path: "path",
    SecretStr: "text (secret)",
}


def env_variable(name: str) -> str:
    """The environment variable that sets the field `name` of `Settings`."""
    field = Settings.model_fields[name]
    if field.alias or field.validation_alias:
        raise ValueError(f"{name} has an alias; settings_docs does not render aliases")
    return f"{Settings.model_config.get('env_prefix', '')}{name}".upper()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(value: object) -> str:
    return f"`{value}`"


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


def _accepts(field: FieldInfo) -> str:
    annotation = _without_none(field.annotation)
    if get_origin(annotation) is Literal:
        kind = "one of " + ", ".join(_code(value) for value in get_args(annotation))
    else:
        kind = _KINDS.get(annotation, getattr(annotation, "__name__", str(annotation)))
    bounds = []
    # Lower bounds first, whether a bound comes from a shared type (`Seconds`) or the field.
    lower_first = sorted(
        field.metadata,
        key=lambda rule: not isinstance(rule, annotated_types.Ge | annotated_types.Gt),
    )
    for rule in lower_first:
        if isinstance(rule, annotated_types.Ge):
            bounds.append(f"≥ {rule.ge}")
        elif isinstance(rule, annotated_types.Gt):
            bounds.append(f"> {rule.gt}")
        elif isinstance(rule, annotated_types.Le):
            bounds.append(f"≤ {rule.le}")
        elif isinstance(rule, annotated_types.Lt):
            bounds.append(f"< {rule.lt}")
        elif isinstance(rule, annotated_types.MinLen) and rule.min_length == 1:
            bounds.append("not empty")
        elif isinstance(rule, annotated_types.MinLen):
            bounds.append(f"at least {rule.min_length} characters")
    return ", ".join([kind, *bounds])


def _default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return _code(str(value).lower())
    if isinstance(value, Path):
        shown = str(value)
        if not value.is_absolute() and not shown.startswith("."):
            shown = f"./{shown}"
        return _code(shown)
    if value == "":
        return "empty"
    return _code(value)


def configuration_markdown() -> str:
    """The whole of docs/configuration.md."""
    prefix = Settings.model_config.get("env_prefix", "")
    lines = [_HEADER.format(prefix=prefix)]
    for name, field in Settings.model_fields.items():
        if not field.description:
            raise ValueError(f"Settings.{name} has no description: add Field(description=...)")
        cells = (
            _code(env_variable(name)),
            _accepts(field),
            _default(field),
            field.description,
        )
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |\n")
    lines.append(_OTHERS)
    for variable, (default, meaning) in OTHER_VARIABLES.items():
        lines.append(f"| {_code(variable)} | {_cell(default)} | {_cell(meaning)} |\n")
    return "".join(lines)
