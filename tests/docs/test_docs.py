"""The tables in README.md and docs/ that mirror code, checked against that code.

The roles tables against the access policies the role matrices test, the command table
against the command line, the configuration page against `Settings`. Each test names every
disagreement it finds, so one run says everything that needs fixing.
"""

import difflib
import re
from pathlib import Path

import typer.main
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import Settings
from app.core.settings_docs import OTHER_VARIABLES, configuration_markdown, env_variable
from tests.test_access_matrix import OPEN, POLICY
from tests.ui.test_access_matrix import UI_POLICY

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
ROLE_COLUMNS = ["anonymous", "partner", "field", "staff", "admin"]
ROLE_OF_COLUMN = {column: None if column == "anonymous" else column for column in ROLE_COLUMNS}
ROUTE_CELL = re.compile(r"^`([A-Z]+) (/\S*)`$")
REGENERATE = "heritage-registry docs configuration > docs/configuration.md"

Rule = frozenset | str
Route = tuple[str, str]


def _cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


def markdown_tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every table in a Markdown text: its header cells and its rows' cells."""
    tables, block = [], []
    for line in [*text.splitlines(), ""]:
        if line.lstrip().startswith("|"):
            block.append(_cells(line))
            continue
        if len(block) >= 2:
            tables.append((block[0], block[2:]))
        block = []
    return tables


def documented_access(page: Path) -> tuple[dict[Route, Rule], list[str]]:
    """The access rules in a page's roles tables, and any row that cannot be read."""
    rules: dict[Route, Rule] = {}
    problems = []
    for header, rows in markdown_tables(page.read_text()):
        if header[1:6] != ROLE_COLUMNS:
            continue
        for row in rows:
            route_cell, marks = row[0], row[1:6]
            found = ROUTE_CELL.match(route_cell)
            if not found:
                problems.append(f"{page.name}: {route_cell!r} is not one `METHOD /path` per row")
                continue
            route = (found.group(1), found.group(2))
            if all(mark == "open" for mark in marks):
                rule: Rule = OPEN
            elif set(marks) <= {"✓", ""}:
                rule = frozenset(
                    ROLE_OF_COLUMN[column]
                    for column, mark in zip(ROLE_COLUMNS, marks, strict=True)
                    if mark == "✓"
                )
            else:
                problems.append(f"{page.name}: {route_cell} has marks other than ✓ or open")
                continue
            if route in rules:
                problems.append(f"{page.name}: {route_cell} has more than one row")
            rules[route] = rule
    if not rules:
        problems.append(f"{page.name}: no table with the columns {', '.join(ROLE_COLUMNS)}")
    return rules, problems


def _admits(rule: Rule) -> str:
    if rule == OPEN:
        return "everyone without checking keys (open)"
    names = sorted("anonymous" if role is None else role for role in rule)
    return ", ".join(names) or "nobody"


def access_disagreements(
    documented: dict[Route, Rule], policy: dict[Route, Rule], page: str
) -> list[str]:
    """Each route on which a page's roles table and an access policy differ, in words."""
    problems = []
    for method, path in sorted(policy.keys() - documented.keys()):
        problems.append(f"{method} {path}: in the access policy, missing from {page}")
    for method, path in sorted(documented.keys() - policy.keys()):
        problems.append(f"{method} {path}: in {page}, not in the access policy")
    for method, path in sorted(policy.keys() & documented.keys()):
        said, enforced = documented[(method, path)], policy[(method, path)]
        if said != enforced:
            problems.append(
                f"{method} {path}: {page} admits {_admits(said)}; "
                f"the access policy admits {_admits(enforced)}"
            )
    return problems


def test_api_roles_table_matches_the_access_policy():
    documented, problems = documented_access(DOCS / "api.md")
    problems += access_disagreements(documented, POLICY, "docs/api.md")
    assert not problems, "\n".join(problems)


def test_web_pages_roles_table_matches_the_pages_access_policy():
    documented, problems = documented_access(DOCS / "web-pages.md")
    problems += access_disagreements(documented, UI_POLICY, "docs/web-pages.md")
    assert not problems, "\n".join(problems)


def test_the_roles_check_names_each_disagreement():
    documented = dict(POLICY)
    policy = dict(POLICY)
    del policy[("GET", "/api/v1/audit")]
    policy[("GET", "/api/v1/secret")] = frozenset({"admin"})
    policy[("DELETE", "/api/v1/photos/{photo_id}")] = frozenset({"admin"})
    policy[("GET", "/healthz")] = frozenset({None, "admin", "staff", "field", "partner"})

    problems = access_disagreements(documented, policy, "docs/api.md")

    assert problems == [
        "GET /api/v1/secret: in the access policy, missing from docs/api.md",
        "GET /api/v1/audit: in docs/api.md, not in the access policy",
        "DELETE /api/v1/photos/{photo_id}: docs/api.md admits admin, staff; "
        "the access policy admits admin",
        "GET /healthz: docs/api.md admits everyone without checking keys (open); "
        "the access policy admits admin, anonymous, field, partner, staff",
    ]


def test_every_setting_has_a_description():
    missing = [name for name, field in Settings.model_fields.items() if not field.description]
    assert not missing, f"Settings fields without Field(description=...): {', '.join(missing)}"


def test_configuration_page_is_what_the_command_prints():
    result = CliRunner().invoke(cli, ["docs", "configuration"])
    assert result.exit_code == 0, result.output
    assert result.output == configuration_markdown()

    committed = (DOCS / "configuration.md").read_text()
    difference = "".join(
        difflib.unified_diff(
            committed.splitlines(keepends=True),
            result.output.splitlines(keepends=True),
            "docs/configuration.md (committed)",
            "generated from Settings",
        )
    )
    assert not difference, f"docs/configuration.md is stale; run `{REGENERATE}`:\n{difference}"


def test_every_variable_the_docs_name_exists():
    known = {env_variable(name) for name in Settings.model_fields} | set(OTHER_VARIABLES)
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    unknown = []
    for page in pages:
        for name in sorted(set(re.findall(r"\bHERITAGE_[A-Z0-9_]*", page.read_text()))):
            # `HERITAGE_S3_*` and the bare prefix name a family of variables.
            if name.endswith("_"):
                exists = any(variable.startswith(name) for variable in known)
            else:
                exists = name in known
            if not exists:
                unknown.append(f"{page.relative_to(ROOT)}: {name}")
    assert not unknown, "variables that no setting reads:\n" + "\n".join(unknown)


def _commands(command, path: tuple[str, ...] = ()):
    """Each leaf command of a click group, by its words (`keys create`)."""
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


def documented_commands(page: Path) -> dict[str, tuple[set[str], int]]:
    """Each command in a page's command table: its options and how many arguments it takes."""
    commands = {}
    for header, rows in markdown_tables(page.read_text()):
        if header[:2] != ["command", "what it does"]:
            continue
        for row in rows:
            tokens = re.findall(r"--[a-z][a-z-]*|[A-Z][A-Z_]*|[a-z][a-z-]*", row[0])
            words = []
            while tokens and re.fullmatch(r"[a-z][a-z-]*", tokens[0]):
                words.append(tokens.pop(0))
            options = {token for token in tokens if token.startswith("--")}
            arguments = [
                token
                for position, token in enumerate(tokens)
                if token.isupper() and (position == 0 or not tokens[position - 1].startswith("--"))
            ]
            commands[" ".join(words)] = (options, len(arguments))
    return commands


def test_command_table_matches_the_command_line():
    documented = documented_commands(DOCS / "operations.md")
    actual = dict(_commands(typer.main.get_command(cli)))
    problems = [
        f"`{name}`: a command, missing from docs/operations.md"
        for name in actual
        if name not in documented
    ]
    problems += [
        f"`{name}`: in docs/operations.md, no such command"
        for name in documented
        if name not in actual
    ]
    for name in documented.keys() & actual.keys():
        options, arguments = documented[name]
        params = actual[name].params
        real_options = {o for p in params if p.param_type_name == "option" for o in p.opts}
        real_options.discard("--help")
        real_arguments = sum(1 for p in params if p.param_type_name == "argument")
        for option in sorted(options - real_options):
            problems.append(f"`{name}`: docs/operations.md names {option}, which it does not take")
        for option in sorted(real_options - options):
            problems.append(f"`{name}`: takes {option}, which docs/operations.md does not name")
        if arguments != real_arguments:
            problems.append(
                f"`{name}`: docs/operations.md shows {arguments} arguments, "
                f"it takes {real_arguments}"
            )
    assert not problems, "\n".join(problems)


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub gives a page's headings."""
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)
    headings = re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def test_links_between_the_pages_resolve():
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue  # another site
            file, _, anchor = target.partition("#")
            linked = (page.parent / file).resolve() if file else page
            if not linked.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)
