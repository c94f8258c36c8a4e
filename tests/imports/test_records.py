"""`heritage-registry import records`: sources, sites, monuments and assessments from YAML,
checked by the API's schemas, stored by its services, all or nothing, and idempotent.

Run as the installed script, as staff would run it, against the test database.
"""

import textwrap

from sqlmodel import select

from app.assessments.models import DamageAssessment
from app.audit.models import AuditEvent
from app.imports import records
from app.monuments.models import Monument
from app.restoration.models import RestorationAssessment
from app.sites.models import Site
from app.sources.models import Source
from tests.cli import Ran, command_env, run_command
from tests.factories import count_rows, create_monument, create_source
from tests.imports.test_cli import audit_actions, run_import

SOURCES = """\
sources:
  - key: unosat
    kind: satellite_image_analysis
    title: Satellite imagery analysis of the Temple of Bel
    publisher: UNITAR-UNOSAT
    published_on: 2015-09-01
    url: https://example.org/unosat/bel
    language: en
  - key: seed
    kind: news_report
    title: Article on the recapture of Palmyra
    published_on: 2016-03-27
"""

PLACES = """\
sites:
  - key: palmyra
    name: Site of Palmyra
    country: SY
    whc_id: 23
    description: Caravan city.
    sources: [unosat]
monuments:
  - key: bel
    site: palmyra
    name: Temple of Bel
    alt_names: [معبد بل]
    type: temple
    lat: 34.54738
    lon: 38.27393
    sources: [unosat]
"""

EVIDENCE = """\
damage_assessments:
  - monument: bel
    sources: [unosat]
    status: verified
    observed_on: 2015-08-31
    method: satellite_imagery
    damage_level: destroyed
    causes: [deliberate_destruction, explosives]
    confidence: high
    notes: Cella destroyed.
restoration_assessments:
  - monument: bel
    sources: [seed, unosat]
    assessed_on: 2016-03-27
    feasibility: feasible
    approach: anastylosis
    restorable_percent: 90
    organisation: Franklin Lamb
"""


def write(folder, name: str, text: str):
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def counts(database) -> tuple[int, ...]:
    return tuple(
        count_rows(database, table)
        for table in (Source, Site, Monument, DamageAssessment, RestorationAssessment, AuditEvent)
    )


def test_clean_files_are_stored_through_the_services_and_a_rerun_changes_nothing(
    database, settings, tmp_path
):
    write(tmp_path, "sources.yaml", SOURCES)
    write(tmp_path, "places.yaml", PLACES)
    write(tmp_path, "evidence.yaml", EVIDENCE)

    checked = run_import(settings, "records", str(tmp_path), "--dry-run")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Dry run: nothing was written" in checked.stdout
    assert counts(database) == (0, 0, 0, 0, 0, 0)

    first = run_import(settings, "records", str(tmp_path))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "6 record(s); sources: 2 added" in first.stdout
    assert "damage assessments: 1 added" in first.stdout
    with database.session(write=False) as session:
        site = session.exec(select(Site)).one()
        bel = session.exec(select(Monument)).one()
        assessment = session.exec(select(DamageAssessment)).one()
        restoration = session.exec(select(RestorationAssessment)).one()
    assert site.description == (
        "Caravan city.\n\nSources: 'Satellite imagery analysis of the Temple of Bel', "
        "UNITAR-UNOSAT, 2015-09-01, https://example.org/unosat/bel"
    )
    assert bel.site_id == site.id and bel.alt_names == ["معبد بل"]
    assert assessment.status == "verified" and assessment.reviewer.startswith("admin:command line")
    assert assessment.author == "staff:import of unosat"
    assert "https://example.org/unosat/bel" in assessment.source
    assert (restoration.restorable_percent_min, restoration.restorable_percent_max) == (90, 90)
    actions = audit_actions(database)
    assert ("damage_assessment", "verify") in actions and ("source", "create") in actions
    before = counts(database)

    again = run_import(settings, "records", str(tmp_path))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "sources: 0 added, 0 updated, 2 unchanged" in again.stdout
    assert "restoration assessments: 0 added, 0 updated, 1 unchanged" in again.stdout
    assert counts(database) == before  # not a row, not an audit event more

    # A source corrected in its file is updated, through the API's update (audited).
    write(tmp_path, "sources.yaml", SOURCES.replace("2016-03-27", "2016-03-28"))
    corrected = run_import(settings, "records", str(tmp_path))
    assert "sources: 0 added, 1 updated, 1 unchanged" in corrected.stdout, corrected.stdout
    assert audit_actions(database)[-1] == ("source", "update")


def test_every_problem_is_listed_by_file_and_line_and_nothing_is_stored(
    database, settings, tmp_path
):
    write(
        tmp_path, "sources.yaml", SOURCES + "  - key: unosat\n    kind: other\n    title: Again\n"
    )
    write(
        tmp_path,
        "places.yaml",
        PLACES.replace("lat: 34.54738", "lat: 134.5").replace("site: palmyra", "site: tadmor")
        + "  - key: arch\n    site_id: 1\n    name: Arch\n    type: arch\n    lat: 34.5\n"
        "    lon: 38.2\n",
    )
    write(tmp_path, "evidence.yaml", EVIDENCE.replace("[seed, unosat]", "[seed, lamb]"))
    write(tmp_path, "notes.yaml", "photos:\n  - file: bel.jpg\n")

    result = run_import(settings, "records", str(tmp_path))

    assert result.returncode == 1, result.stdout + result.stderr
    out = " ".join(result.stdout.split())  # lines wrapped by the console, joined again
    for expected in (
        f"{tmp_path / 'notes.yaml'}: photos: unknown kind of record",
        f"{tmp_path / 'places.yaml'} line 9: lat: Input should be less than or equal to 90",
        f"{tmp_path / 'places.yaml'} line 17: site_id: name the record with `site` instead",
        f"{tmp_path / 'sources.yaml'} line 13: key: 'unosat' is already the key of",
        f"{tmp_path / 'evidence.yaml'} line 12: sources: no record of sources has the key 'lamb'",
    ):
        assert expected in out, out
    assert "5 problem(s). Nothing was written" in out
    assert counts(database) == (0, 0, 0, 0, 0, 0)


def test_a_refusal_by_a_service_is_a_problem_and_rolls_everything_back(
    database, settings, tmp_path
):
    write(tmp_path, "sources.yaml", SOURCES)
    write(tmp_path, "places.yaml", PLACES)
    # Restorable shares are of recorded damage: without the damage record, the service refuses.
    write(tmp_path, "evidence.yaml", EVIDENCE[EVIDENCE.index("restoration_assessments") :])

    result = run_import(settings, "records", str(tmp_path))

    assert result.returncode == 1, result.stdout + result.stderr
    out = " ".join(result.stdout.split())
    assert f"{tmp_path / 'evidence.yaml'} line 2: restorable_percent:" in out
    assert "no verified damage assessment" in out
    assert counts(database) == (0, 0, 0, 0, 0, 0)


def test_a_verified_record_that_changed_is_refused_not_rewritten(database, settings, tmp_path):
    write(tmp_path, "sources.yaml", SOURCES)
    write(tmp_path, "places.yaml", PLACES)
    evidence = write(tmp_path, "evidence.yaml", EVIDENCE)
    assert run_import(settings, "records", str(tmp_path)).returncode == 0
    before = counts(database)

    evidence.write_text(EVIDENCE.replace("Cella destroyed.", "Cella and columns."), "utf-8")
    result = run_import(settings, "records", str(tmp_path))

    assert result.returncode == 1
    out = " ".join(result.stdout.split())
    assert "already records this observation, verified, with a different notes" in out
    assert "supersedes" in out
    assert counts(database) == before


def test_records_may_name_rows_already_stored_by_id(database, settings, tmp_path):
    monument_id = create_monument(database)
    source_id = create_source(database)
    write(
        tmp_path,
        "one.yaml",
        f"""\
        damage_assessments:
          - monument: {monument_id}
            sources: [{source_id}]
            observed_on: 2016-03-27
            method: field_survey
            damage_level: severe_damage
            confidence: medium
          - monument: 999999
            sources: [{source_id}]
            observed_on: 2016-03-27
            method: field_survey
            damage_level: severe_damage
            confidence: medium
        """,
    )

    refused = run_import(settings, "records", str(tmp_path / "one.yaml"))
    assert refused.returncode == 1
    assert "monument: there is no monument with id 999999" in " ".join(refused.stdout.split())

    text = (tmp_path / "one.yaml").read_text("utf-8")
    (tmp_path / "one.yaml").write_text(text[: text.index("  - monument: 999999")], "utf-8")
    stored = run_import(settings, "records", str(tmp_path / "one.yaml"))
    assert stored.returncode == 0, stored.stdout + stored.stderr
    with database.session(write=False) as session:
        draft = session.exec(select(DamageAssessment)).one()
    assert (draft.monument_id, draft.status) == (monument_id, "draft")


def test_load_demo_imports_the_bundled_records_once(database, settings):
    def load_demo() -> Ran:
        return run_command(command_env(settings.database_url, settings.media_root), "load-demo")

    first = load_demo()
    events = count_rows(database, AuditEvent)
    second = load_demo()

    monuments = count_rows(database, Monument)
    assert monuments > 10
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Palmyra demo data:" in first.stdout
    assert f"monuments: {monuments} added" in first.stdout
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"monuments: 0 added, 0 updated, {monuments} unchanged" in second.stdout
    assert count_rows(database, AuditEvent) == events


def import_files(database, *paths) -> records.RecordsReport:
    from app.core.actors import command_line_actor

    with database.session(write=True) as session:
        report = records.import_records(
            session=session, paths=list(paths), grid_degrees=0.1, actor=command_line_actor()
        )
        if report.problems:
            session.rollback()
    return report


def test_changed_records_are_updated_through_the_services(database, tmp_path):
    write(tmp_path, "sources.yaml", SOURCES)
    places = write(
        tmp_path,
        "places.yaml",
        PLACES.replace(
            "    name: Temple of Bel", "    name: Temple of Bel\n    external_id: PAL-001"
        ),
    )
    opinion = """\
    restoration_assessments:
      - monument: bel
        sources: [seed]
        status: approved
        assessed_on: 2016-04-18
        feasibility: partially_feasible
        approach: anastylosis
        estimated_cost: {amount: "1500000.00", currency: USD}
        prerequisites: [demining]
        organisation: DGAM
    """
    evidence = write(tmp_path, "evidence.yaml", opinion)
    first = import_files(database, tmp_path)
    assert first.problems == []
    assert first.tallies["restoration_assessments"].added == 1

    places.write_text(places.read_text("utf-8").replace("Temple of Bel", "Temple of Bêl"), "utf-8")
    evidence.write_text(
        textwrap.dedent(opinion)
        .replace("1500000.00", "1750000.00")
        .replace("approved", "in_progress"),
        "utf-8",
    )
    second = import_files(database, tmp_path)

    assert second.problems == [], [str(p) for p in second.problems]
    assert second.tallies["monuments"].updated == 1  # matched by external_id, renamed
    assert second.tallies["restoration_assessments"].updated == 1
    with database.session(write=False) as session:
        bel = session.exec(select(Monument)).one()
        plan = session.exec(select(RestorationAssessment)).one()
    assert (bel.name, bel.external_id) == ("Temple of Bêl", "PAL-001")
    assert (plan.status, plan.estimated_cost_thousandths) == ("in_progress", 1_750_000_000)
    assert audit_actions(database)[-2:] == [
        ("monument", "update"),
        ("restoration_assessment", "status:in_progress"),
    ]


def test_a_record_with_a_wrong_reference_is_reported_once(database, tmp_path):
    write(tmp_path, "sources.yaml", SOURCES)
    write(tmp_path, "places.yaml", PLACES)
    write(
        tmp_path,
        "evidence.yaml",
        EVIDENCE[: EVIDENCE.index("restoration_assessments")].replace(
            "status: verified", "status: approved"
        ),
    )

    report = import_files(database, tmp_path)

    # The record's status is wrong; its sources are not, and nothing else is reported.
    assert [(p.field, p.message) for p in report.problems] == [
        ("status", "Input should be 'draft', 'submitted' or 'verified'")
    ]
    assert counts(database) == (0, 0, 0, 0, 0, 0)
