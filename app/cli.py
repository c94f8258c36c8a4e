"""The `heritage-registry` command line: migrations, demo data, keys, media, the audit
trail, the server and the webhook worker."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from app import wiring
from app.core.actors import Role, command_line_actor
from app.core.config import get_settings
from app.core.db import Database, make_engine
from app.keys import service as keys

if TYPE_CHECKING:
    from rich.progress import Progress

cli = typer.Typer(help="Heritage damage registry.", no_args_is_help=True)
keys_cli = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
audit_cli = typer.Typer(help="Check the audit trail.", no_args_is_help=True)
media_cli = typer.Typer(help="Check photo files against the database.", no_args_is_help=True)
uploads_cli = typer.Typer(help="Resumable uploads in progress.", no_args_is_help=True)
import_cli = typer.Typer(help="Import inventories and folders of photos.", no_args_is_help=True)
export_cli = typer.Typer(help="Export offline bundles for field teams.", no_args_is_help=True)
evidence_cli = typer.Typer(help="Check signed evidence packages.", no_args_is_help=True)
docs_cli = typer.Typer(help="Print the pages of docs/ made from the code.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
cli.add_typer(audit_cli, name="audit")
cli.add_typer(media_cli, name="media")
cli.add_typer(uploads_cli, name="uploads")
cli.add_typer(import_cli, name="import")
cli.add_typer(export_cli, name="export")
cli.add_typer(evidence_cli, name="evidence")
cli.add_typer(docs_cli, name="docs")
console = Console()


@cli.callback()
def connect_layers() -> None:
    """Before any command: the listeners every write must reach (webhook outbox)."""
    wiring.connect()


def _database() -> Database:
    return Database(make_engine(get_settings().database_url))


@contextmanager
def _session(*, write: bool) -> Iterator[Session]:
    """One session on the configured database, whose connections close with it."""
    database = _database()
    try:
        with database.session(write=write) as session:
            yield session
    finally:
        database.engine.dispose()


@cli.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic upgrade head)."""
    from app.core import migrations

    migrations.upgrade(get_settings().database_url)
    console.print("[green]Database schema is up to date.[/green]")


@cli.command("load-demo")
def load_demo() -> None:
    """Load the Palmyra demo data (the records in app/demo/palmyra, through `import records`);
    running it again changes nothing."""
    from app.demo import PALMYRA

    _import_records([PALMYRA], dry_run=False, title="Palmyra demo data")


@keys_cli.command("create")
def create_key(
    role: Annotated[Role, typer.Option(help="What the key may do.")],
    name: Annotated[str, typer.Option(help="Who or what holds the key.")],
) -> None:
    """Create a key; it is printed once, alone on the last line, and only its hash is kept."""
    with _session(write=True) as session:
        api_key, secret = keys.create_key(
            session=session, name=name, role=role, actor=command_line_actor()
        )
    console.print(f"Created key {api_key.id} ({api_key.role}) for {api_key.name}. Keep it safe:")
    print(secret)


@keys_cli.command("list")
def list_keys() -> None:
    """List keys (never their secrets)."""
    with _session(write=False) as session:
        rows = keys.list_keys(session=session)
    table = Table("id", "name", "role", "prefix", "created", "revoked")
    for api_key in rows:
        table.add_row(
            str(api_key.id),
            api_key.name,
            api_key.role,
            api_key.prefix + "…",
            api_key.created_at.isoformat(timespec="seconds"),
            api_key.revoked_at.isoformat(timespec="seconds") if api_key.revoked_at else "",
        )
    console.print(table)


@keys_cli.command("revoke")
def revoke_key(
    key_id: Annotated[int, typer.Argument(help="The key's id (see `keys list`).")],
) -> None:
    """Revoke a key; requests with it are refused from now on."""
    from app.core.errors import RegistryError

    try:
        with _session(write=True) as session:
            keys.revoke_key(session=session, key_id=key_id, actor=command_line_actor())
    except RegistryError as error:
        console.print(f"[red]{error.detail}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Key {key_id} revoked.")


@audit_cli.command("verify")
def verify_audit() -> None:
    """Recompute the audit chain; exit 1 and name the first broken event if it was altered."""
    import json
    from dataclasses import asdict

    from app.audit import service as audit

    with _session(write=False) as session:
        report = audit.verify_chain(session=session)
    print(json.dumps(asdict(report)))
    if not report.ok:
        raise typer.Exit(1)


@evidence_cli.command("verify")
def verify_evidence(
    package_file: Annotated[
        Path, typer.Argument(metavar="PACKAGE.zip", help="An evidence package (a zip).")
    ],
    public_key: Annotated[
        str | None,
        typer.Option(
            help="The signer's public key (base64, from /api/v1/signing-keys) to pin; "
            "without it the key the package names is used and printed."
        ),
    ] = None,
) -> None:
    """Check a package offline: its signature, every file's SHA-256 and its RO-Crate
    metadata; exit 1 naming each file that does not match."""
    from app.evidence import package

    if not package_file.is_file():
        console.print(f"[red]{package_file}: no such file[/red]")
        raise typer.Exit(2)
    with package_file.open("rb") as stream:
        result = package.verify(stream, trusted_key=public_key)
    for problem in result.problems:
        console.print(f"[red]FAIL[/red] {problem}", highlight=False, soft_wrap=True)
    if not result.ok:
        raise typer.Exit(1)
    console.print(
        f"OK: {result.files_checked} files match the manifest signed by key "
        f"{result.key_id}; audit chain head {result.audit_chain_head}.",
        highlight=False,
        soft_wrap=True,
    )


@media_cli.command("check")
def check_media(
    repair: Annotated[
        bool, typer.Option("--repair", help="Remove files that no photo references.")
    ] = False,
    grace_minutes: Annotated[
        int,
        typer.Option(min=0, help="Leave orphans younger than this (uploads still in flight)."),
    ] = 60,
    quick: Annotated[
        bool,
        typer.Option("--quick", help="Compare sizes only instead of hashing every file again."),
    ] = False,
) -> None:
    """List photos whose files are missing or altered (each file is hashed again against
    its recorded SHA-256) and files no photo references; exit 1 if any. `--repair` also
    removes uploads left half-received by a killed server."""
    from datetime import timedelta

    from app.core.storage import make_storage
    from app.photos import service as photos

    settings = get_settings()
    storage = make_storage(settings)
    with _session(write=False) as session:
        report = photos.check_media(
            session=session,
            storage=storage,
            repair=repair,
            grace=timedelta(minutes=grace_minutes),
            quick=quick,
        )
    for photo_id, key in report.missing:
        console.print(f"[red]missing[/red]  photo {photo_id}: {key}")
    for photo_id, key, problem in report.altered:
        console.print(f"[red]altered[/red]  photo {photo_id}: {key} has {problem}")
    for key in report.orphans:
        state = "removed" if key in report.removed else "orphan"
        console.print(f"[yellow]{state}[/yellow]  {key}")
    if repair:
        import time

        from app.core.multipart import remove_stale_spools

        # Uploads cut off by a killed server leave their spooled halves behind too.
        cutoff = time.time() - grace_minutes * 60
        for path in remove_stale_spools(settings.upload_temp_dir, older_than=cutoff):
            console.print(f"[yellow]removed[/yellow]  unfinished upload {path}")
    console.print(
        f"{storage.description}: {len(report.missing)} missing file(s), "
        f"{len(report.altered)} altered file(s) ({'sizes' if quick else 'SHA-256'} checked), "
        f"{len(report.orphans)} orphan file(s), {len(report.removed)} removed."
    )
    if not report.ok:
        raise typer.Exit(1)


@uploads_cli.command("clean")
def clean_uploads(
    grace_minutes: Annotated[
        int,
        typer.Option(min=0, help="Leave folders without a row younger than this (in flight)."),
    ] = 60,
) -> None:
    """Remove expired resumable uploads (rows and bytes) and folders no upload owns; run it
    from cron, e.g. hourly."""
    from datetime import timedelta

    from app.uploads import service as uploads

    settings = get_settings()
    with _session(write=True) as session:
        report = uploads.clean_uploads(
            session=session,
            root=settings.resumable_uploads_dir,
            actor=command_line_actor(),
            grace=timedelta(minutes=grace_minutes),
        )
    for token in report.expired:
        console.print(f"[yellow]expired[/yellow]  {token[:8]}…")
    for name in report.orphans:
        console.print(f"[yellow]orphan[/yellow]   {name}")
    console.print(
        f"{settings.resumable_uploads_dir}: removed {len(report.expired)} expired upload(s) "
        f"and {len(report.orphans)} orphan folder(s)."
    )


def _progress_bar() -> "Progress":
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=False,
    )


@import_cli.command("monuments")
def import_monuments(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="A .csv or .geojson inventory."),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row and report; write nothing.")
    ] = False,
) -> None:
    """Import monuments from CSV (header on line 1) or GeoJSON (Point features): all rows or
    none; rows are matched to monuments by site_id and external_id, so a re-run changes
    nothing. Exit 1 and list every problem if any row is wrong."""
    from app.imports import service as imports

    settings = get_settings()
    problems: list[imports.Problem] = []
    rows = imports.read_monuments(file, problems)
    with _session(write=not dry_run) as session, _progress_bar() as progress:
        task = progress.add_task("Checking", total=len(rows))
        plan = imports.plan_monuments(
            session=session,
            rows=rows,
            problems=problems,
            progress=lambda n: progress.advance(task, n),
        )
        if not plan.problems and not dry_run:
            task = progress.add_task("Storing", total=len(plan.creates) + len(plan.updates))
            imports.apply_monuments(
                session=session,
                plan=plan,
                grid_degrees=settings.sensitive_grid_degrees,
                actor=command_line_actor(),
                progress=lambda n: progress.advance(task, n),
            )
    for problem in plan.problems:
        console.print(str(problem), markup=False, style="red", soft_wrap=True)
    summary = (
        f"{file.name}: {len(rows)} row(s); {len(plan.creates)} new, {len(plan.updates)} "
        f"changed, {len(plan.unchanged)} unchanged; {len(plan.problems)} problem(s)."
    )
    if plan.problems:
        console.print(summary + " Nothing was written: correct the file and run it again.")
        raise typer.Exit(1)
    console.print(summary + (" Dry run: nothing was written." if dry_run else " Stored."))


@import_cli.command("photos")
def import_photos(
    folder: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="A folder of photo files.")
    ],
    monument: Annotated[
        int | None, typer.Option(help="Every photo is of this monument (its id).")
    ] = None,
    site: Annotated[
        int | None,
        typer.Option(
            help="Map each file to the site's monument whose external_id its name starts "
            "with (PAL-012_gate.jpg → PAL-012)."
        ),
    ] = None,
    photographer: Annotated[str | None, typer.Option(help="Who took them.")] = None,
    license: Annotated[str | None, typer.Option(help="Their licence, e.g. CC-BY-4.0.")] = None,
) -> None:
    """Add a folder of photos, each through the same checks, EXIF, derivatives and dedupe as
    an upload; a re-run adds nothing. Exit 1 if any file was refused or matched no monument."""
    from pydantic import ValidationError

    from app.core.errors import RegistryError
    from app.core.storage import make_storage
    from app.imports import service as imports
    from app.monuments import service as monuments
    from app.photos.dependencies import image_rules
    from app.photos.schemas import PhotoFields

    if (monument is None) == (site is None):
        console.print("[red]Give either --monument ID or --site ID (to map by file name).[/red]")
        raise typer.Exit(2)
    try:
        fields = PhotoFields(photographer=photographer, license=license).model_dump(
            exclude_none=True
        )
    except ValidationError as error:
        console.print(str(error), markup=False, style="red")
        raise typer.Exit(2) from None
    settings = get_settings()
    storage = make_storage(settings)
    database = _database()
    paths, skipped = imports.photo_files(folder)
    with database.session(write=False) as session:
        try:
            if monument is not None:
                monuments.get_monument(session=session, monument_id=monument)
                files = [imports.PhotoFile(path, monument) for path in paths]
            else:
                files = imports.match_by_name(session=session, site_id=site, paths=paths)
        except RegistryError as error:
            console.print(error.detail, markup=False, style="red")
            raise typer.Exit(1) from None
    skipped += [(f.path, "no monument of the site has this external_id") for f in files
                if f.monument_id is None]  # fmt: skip
    report = imports.PhotoReport(skipped=skipped)
    with _progress_bar() as progress:
        task = progress.add_task("Photos", total=len(files))
        for file in files:
            if file.monument_id is not None:
                # One transaction per photo: a refused file rolls back alone.
                try:
                    with database.session(write=True) as session:
                        outcome = imports.import_photo(
                            session=session,
                            storage=storage,
                            file=file,
                            fields=fields,
                            rules=image_rules(settings),
                            actor=command_line_actor(),
                        )
                except RegistryError as error:
                    report.refused.append((file.path, error.detail))
                else:
                    kept = report.duplicates if outcome.duplicate else report.added
                    kept.append((file.path, outcome.photo.id))
            progress.advance(task, 1)
    for path, reason in report.refused:
        console.print(f"refused  {path.name}: {reason}", markup=False, style="red", soft_wrap=True)
    for path, reason in report.skipped:
        console.print(
            f"skipped  {path.name}: {reason}", markup=False, style="yellow", soft_wrap=True
        )
    console.print(
        f"{folder}: {len(report.added)} added, {len(report.duplicates)} already there, "
        f"{len(report.refused)} refused, {len(report.skipped)} skipped."
    )
    if report.refused or any(f.monument_id is None for f in files):
        raise typer.Exit(1)


@import_cli.command("records")
def import_records(
    paths: Annotated[
        list[Path],
        typer.Argument(exists=True, help="YAML files of records, or folders of them."),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and try every record; write nothing.")
    ] = False,
) -> None:
    """Import sources, sites, monuments, damage and restoration assessments from YAML files:
    each record checked by the API's own schema and stored by its services, all or nothing;
    records are matched to what is stored, so a re-run changes nothing. Exit 1 and list every
    problem if any record is wrong."""
    _import_records(paths, dry_run=dry_run, title=", ".join(str(path) for path in paths))


def _import_records(paths: list[Path], *, dry_run: bool, title: str) -> None:
    from app.imports import records

    report = records.RecordsReport()
    found = records.read_records(paths, report.problems)
    report.records = len(found)
    with _session(write=True) as session, _progress_bar() as progress:
        task = progress.add_task("Checking", total=len(found))
        checked = records.check_records(
            session=session,
            records=found,
            problems=report.problems,
            progress=lambda n: progress.advance(task, n),
        )
        if not report.problems:
            task = progress.add_task("Storing", total=len(checked))
            records.store_records(
                session=session,
                checked=checked,
                report=report,
                grid_degrees=get_settings().sensitive_grid_degrees,
                actor=command_line_actor(),
                progress=lambda n: progress.advance(task, n),
            )
        if report.problems or dry_run:
            session.rollback()
    for problem in report.problems:
        console.print(str(problem), markup=False, style="red", soft_wrap=True)
    if report.problems:
        console.print(
            f"{title}: {report.records} record(s); {len(report.problems)} problem(s). Nothing "
            "was written: correct the files and run it again.",
            markup=False,
        )
        raise typer.Exit(1)
    outcome = ". Dry run: nothing was written." if dry_run else "."
    console.print(
        f"{title}: {report.records} record(s); {report.summary() or 'nothing to store'}{outcome}",
        markup=False,
    )


@export_cli.command("bundle")
def export_bundle(
    site: Annotated[int, typer.Option(help="The site's id.")],
    output: Annotated[
        Path | None, typer.Option(help="Where to write the zip (default: site-ID-bundle.zip).")
    ] = None,
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="Generalise sensitive positions as for anonymous readers (the command line "
            "is trusted and writes exact positions otherwise).",
        ),
    ] = False,
) -> None:
    """Write a site's offline bundle: monuments as GeoJSON with their current condition,
    and photo thumbnails."""
    from app.bundles import service as bundles
    from app.core.errors import RegistryError
    from app.core.storage import make_storage
    from app.sites import service as sites

    target = output or Path(f"site-{site}-bundle.zip")
    storage = make_storage(get_settings())
    with _session(write=False) as session:
        try:
            found = sites.get_site(session=session, site_id=site)
        except RegistryError as error:
            console.print(error.detail, markup=False, style="red")
            raise typer.Exit(1) from None
        partial = target.with_name(f".{target.name}.part")
        with partial.open("wb") as out:
            summary = bundles.write_bundle(
                session=session, storage=storage, site=found, exact_locations=not public, out=out
            )
        partial.replace(target)  # never a half-written bundle under the real name
    positions = "exact positions" if summary.exact_locations else "public positions"
    console.print(
        f"{target}: {summary.monuments} monument(s), {summary.thumbnails} thumbnail(s), "
        f"{positions}."
    )


@cli.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Deliver what is due now, then exit (for cron).")
    ] = False,
) -> None:
    """Deliver webhooks from the outbox until stopped (SIGTERM or Ctrl-C finish the current
    delivery first). Run as many as you like, on any machine that reaches the database."""
    import logging
    import signal
    import threading

    from app.webhooks import worker as webhooks

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    settings = get_settings()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    console.print(f"Webhook worker started (polling every {settings.worker_poll_seconds} s).")
    stats = webhooks.run(database=_database(), settings=settings, once=once, stop=stop)
    console.print(
        f"Webhook worker stopped: {stats.delivered} delivered, {stats.retrying} to retry, "
        f"{stats.failed} failed, {stats.lapsed} claims lapsed."
    )


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the API with uvicorn."""
    import os
    import tempfile

    import uvicorn

    from app.core.instrumentation import MULTIPROCESS_DIR_VARIABLE

    if workers > 1 and not os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        # Each worker writes its metrics there and /metrics adds them up; a fresh folder,
        # because numbers left by an earlier run would be added in too.
        os.environ[MULTIPROCESS_DIR_VARIABLE] = tempfile.mkdtemp(prefix="heritage-metrics-")
    uvicorn.run(
        "app.main:app",
        host=host,
        port=port,
        workers=workers,
        # The app applies HERITAGE_TRUSTED_PROXIES itself (uvicorn's ProxyHeadersMiddleware
        # in app.main); uvicorn is told the same so it never believes more than that.
        proxy_headers=True,
        # uvicorn restarts a worker that has not answered its health check within this many
        # seconds; importing the app takes longer than its default 5 s on a loaded machine.
        timeout_worker_healthcheck=60,
        forwarded_allow_ips=",".join(get_settings().trusted_proxies) or "",
        # app.core.logs writes one JSON access line per request, with its request id.
        access_log=False,
    )


@docs_cli.command("configuration")
def docs_configuration() -> None:
    """Print docs/configuration.md, the settings table made from `Settings`."""
    from app.core.settings_docs import configuration_markdown

    typer.echo(configuration_markdown(), nl=False)


def main() -> None:
    """Entry point of the `heritage-registry` script."""
    cli()


if __name__ == "__main__":
    main()
