"""The open-data files kept on disk between requests, under a key that makes them never stale.

Building the IATI and 360Giving files reads every funded programme and validates the result
against the official schemas: seconds at thousands of programmes. The files are therefore
kept in files of their own, one per format, and served again for as long as the key they were
built under is the key of the records as they are now.

The key (`Fingerprint`) is a SHA-256 digest of everything the files are made from:

- the data, read in two SQL statements of aggregates (`data_state`; about 5 ms at 20,000
  proposals: index scans, and one pass over the allocation shares):
  - the audit trail's head (id and hash of the newest event). Every state change and every
    money movement made through the application records an event in the same transaction, and
    the hash chains the whole trail, so any such change gives a new head;
  - the funded and closed proposals: how many, the sum of their ids and their latest
    `updated_at` (a proposal entering or leaving the published set, or any change to one of
    them through the ORM, which stamps `updated_at`);
  - allocations and disbursements: how many and the highest id (both are only ever inserted);
    allocation shares: how many and the total disbursed out of them, in cents;
  - the actuals of the results frameworks: how many and when the latest was recorded;
  - the whole content of the small reference tables the files quote by name: organizations
    (name, acronym, kind, IATI identifier: a renamed organization changes the key even without
    an audit event), countries, GCM objectives, calls (titles), the thematic areas and which
    objectives lie in each (the public portfolio's filters), the fund-level outcomes (code and
    title) and the MGI indicators (code) and assessments (country and year);
- the database itself (its URL without the password): several applications, test runs
  included, may share one instance folder;
- the configuration the files depend on: the publisher (fund name and code, identifiers,
  licence) and the official schemas used to validate them (their folder and content);
- the code that builds them (the source of the modules involved) and the storage `FORMAT`.

The content of a funded or closed proposal (participants, countries, objectives, budget lines,
results framework) is frozen by the workflow: only drafts and proposals returned for revision
are edited, so it is covered by the proposal entering the funded states. A change made to the
database by hand, outside the application and without touching any of the above, is not seen:
delete the cache folder after such a change.

The fingerprint is read before the records the files are built from. A change between the
two gives files built from newer records than their key says, never older ones; a later
request sees a new key and builds again.

Storage: one file per format and key in the cache folder (`OPEN_DATA_CACHE_DIR`, by default
`open-data-cache` in the instance folder), shared by every worker process: a line of JSON (when
it was built, what was published, what was left out and why) followed by the file's bytes. It
is written to a temporary file and renamed into place (atomic), so a reader finds a whole entry
or none. Building takes a lock (`fcntl.flock` on a file of the folder) so that workers that
miss at the same time wait for one build instead of each doing it. After a build, the other
entries of that format and database are removed, and any entry not used for a week.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import String, cast, func, literal, null, select, true, union_all

from fund.accounts.models import Organization
from fund.audit.models import AuditEvent
from fund.calls.models import Call
from fund.dialects import cents_sum
from fund.extensions import db
from fund.finance.models import Allocation, AllocationShare, Disbursement
from fund.i18n import from_kept, kept
from fund.proposals import status_rules
from fund.proposals.models import Proposal
from fund.proposals.results import IndicatorActual
from fund.reference.models import Country, GcmObjective, ThematicArea, objective_thematic_area
from fund.reference.results import FundOutcome, MgiAssessment, MgiIndicator
from fund.reports.iati import Exclusion, Export, schema_dir
from fund.reports.queries import publisher_from_config

# The entry's layout: 2 keeps each exclusion reason as a sentence (`fund.i18n.kept`); an entry
# of another layout is never read, so nodes of two versions never read each other's entries.
FORMAT = 2
STALE_AFTER = 7 * 24 * 3600  # seconds since last use after which any entry is removed
SUFFIX = ".export"

# The modules whose code shapes the files.
_SOURCES = (
    "iati.py",
    "iati_results.py",
    "../xml_text.py",  # fund/xml_text.py
    "../days.py",  # fund/days.py: a programme's planned end (`last_day`)
    "giving360.py",
    "queries.py",
    "results_data.py",
    "cache.py",
)


def source_digest(module_file: str, names: Iterable[str]) -> str:
    """The SHA-256 of the source files `names` beside `module_file`: it changes whenever the
    code that shapes a kept value does."""
    digest = hashlib.sha256()
    for name in names:
        digest.update((Path(module_file).parent / name).read_bytes())
    return digest.hexdigest()


@functools.cache
def _code_digest() -> str:
    return source_digest(__file__, _SOURCES)


@functools.cache
def _schemas_digest(folder: Path) -> str:
    digest = hashlib.sha256(str(folder).encode())
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def data_state() -> list[str]:
    """What the files are made from, in two SQL statements (see the module's docstring)."""
    funded = status_rules.keyed_in(status_rules.FUNDED_STATES)
    parts = [
        select(
            func.max(AuditEvent.id).label("head_id"),
        ).subquery("head"),
        select(AuditEvent.hash.label("head_hash"))
        .order_by(AuditEvent.id.desc())
        .limit(1)
        .subquery("head_hash"),
        select(
            func.count().label("proposals"),
            func.sum(Proposal.id).label("proposal_ids"),
            func.max(Proposal.updated_at).label("proposals_updated"),
        )
        .where(funded)
        .subquery("funded"),
        select(
            func.count().label("allocations"), func.max(Allocation.id).label("allocation_id")
        ).subquery("allocations"),
        select(
            func.count().label("shares"),
            cents_sum(AllocationShare.disbursed).label("shares_disbursed"),
        ).subquery("shares"),
        select(
            func.count().label("disbursements"),
            func.max(Disbursement.id).label("disbursement_id"),
        ).subquery("disbursements"),
        select(
            func.count().label("actuals"),
            func.max(IndicatorActual.recorded_at).label("actual_recorded"),
        ).subquery("actuals"),
    ]
    query = select(*(column for part in parts for column in part.c)).select_from(parts[0])
    for part in parts[1:]:
        query = query.outerjoin(part, true())
    counts = db.session.execute(query).one()

    def text(column):
        return cast(column, String)

    reference = union_all(
        select(
            literal("organization"),
            text(Organization.id),
            Organization.name,
            Organization.acronym,
            Organization.kind,
            Organization.iati_org_id,
        ),
        select(literal("country"), Country.iso2, Country.name, *[cast(null(), String)] * 3),
        select(
            literal("objective"),
            text(GcmObjective.number),
            GcmObjective.short_label,
            GcmObjective.title,
            *[cast(null(), String)] * 2,
        ),
        select(literal("call"), text(Call.id), Call.title, *[cast(null(), String)] * 3),
        select(
            literal("thematic_area"),
            ThematicArea.code,
            ThematicArea.title,
            *[cast(null(), String)] * 3,
        ),
        select(
            literal("objective_area"),
            text(objective_thematic_area.c.objective_number),
            objective_thematic_area.c.thematic_area_code,
            *[cast(null(), String)] * 3,
        ),
        select(
            literal("fund_outcome"),
            text(FundOutcome.id),
            FundOutcome.code,
            FundOutcome.title,
            *[cast(null(), String)] * 2,
        ),
        select(
            literal("mgi_indicator"),
            text(MgiIndicator.id),
            MgiIndicator.code,
            *[cast(null(), String)] * 3,
        ),
        select(
            literal("mgi_assessment"),
            text(MgiAssessment.id),
            MgiAssessment.country_iso2,
            text(MgiAssessment.year),
            *[cast(null(), String)] * 2,
        ),
    )
    rows = sorted(
        json.dumps([None if value is None else str(value) for value in row])
        for row in db.session.execute(reference)
    )
    return [json.dumps([None if v is None else str(v) for v in counts]), *rows]


def database_identity() -> str:
    """The database the application uses, without the password."""
    return db.engine.url.render_as_string(hide_password=True)


@dataclass(frozen=True)
class Fingerprint:
    database: str  # digest of the database's identity (part of the file names)
    key: str  # digest of everything (see the module's docstring)


def fingerprint(config: Mapping[str, Any], code: str = "") -> Fingerprint:
    """The key of the open-data files for the records as they are now; `code`: a digest of
    the other modules that shape what is kept (the public portfolio's pages)."""
    database = hashlib.sha256(database_identity().encode()).hexdigest()[:16]
    digest = hashlib.sha256()
    for part in (
        f"format {FORMAT}",
        _code_digest(),
        code,
        database,
        json.dumps(asdict(publisher_from_config(config)), sort_keys=True),
        _schemas_digest(schema_dir(config)),
        *data_state(),
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    return Fingerprint(database, digest.hexdigest()[:40])


def cache_dir(config: Mapping[str, Any]) -> Path:
    configured = config.get("OPEN_DATA_CACHE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "open-data-cache"


def _path(folder: Path, kind: str, found: Fingerprint) -> Path:
    return folder / f"{kind}-{found.database}-{found.key}{SUFFIX}"


def _read(path: Path) -> Export | None:
    """The export stored at `path`, or None (no entry, or one this code cannot read)."""
    try:
        with path.open("rb") as stored:
            header = json.loads(stored.readline())
            content = stored.read()
        if header.get("format") != FORMAT:
            return None
        export = Export(
            content=content,
            generated_at=datetime.fromisoformat(header["generated_at"]),
            published=list(header["published"]),
            excluded=[
                Exclusion(e["proposal_id"], e["title"], tuple(map(from_kept, e["reasons"])))
                for e in header["excluded"]
            ],
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    with suppress(OSError):
        os.utime(path)  # last used: entries unused for a while are removed
    return export


def _write(path: Path, export: Export) -> None:
    header = {
        "format": FORMAT,
        "generated_at": export.generated_at.isoformat(),
        "published": export.published,
        # A reason is kept as a sentence, to be said in each reader's language.
        "excluded": [asdict(e) | {"reasons": list(map(kept, e.reasons))} for e in export.excluded],
    }
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(json.dumps(header, ensure_ascii=True).encode("ascii") + b"\n")
            out.write(export.content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _prune(folder: Path, kind: str, keep: Path, database: str) -> None:
    """Remove the other entries of this format and database, and whatever was left unused
    (or half-written by a process that died) for longer than STALE_AFTER."""
    limit = time.time() - STALE_AFTER
    for path in folder.iterdir():
        if path == keep or not path.is_file():
            continue
        try:
            superseded = path.name.startswith(f"{kind}-{database}-") and path.suffix == SUFFIX
            if superseded or (
                path.suffix in (SUFFIX, ".tmp", ".lock") and path.stat().st_mtime < limit
            ):
                path.unlink(missing_ok=True)
        except OSError:
            continue  # another process removed or replaced it meanwhile


# The build locks this thread holds: a build that reads other kept files (a programme's page
# giving its IATI identifier only if the IATI file publishes it) builds them under the lock it
# holds already, instead of waiting for itself.
_HELD = threading.local()


@contextmanager
def _build_lock(folder: Path, database: str) -> Iterator[None]:
    path = folder / f"build-{database}.lock"
    held: set[Path] = _HELD.__dict__.setdefault("paths", set())
    if path in held:
        yield
        return
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        held.add(path)
        try:
            with suppress(OSError):
                os.utime(path)  # in use: not removed as stale
            yield
        finally:
            held.discard(path)
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Cached:
    fingerprint: Fingerprint
    exports: dict[str, Export]

    def entity_tag(self, kind: str) -> str:
        """An HTTP entity tag for the file of `kind` (weak: a rebuild under the same key has
        the same records, only its generation time may differ)."""
        return f"{kind}-{self.fingerprint.key}"


def cached_exports(
    config: Mapping[str, Any],
    kinds: Iterable[str],
    build: Callable[[tuple[str, ...]], Mapping[str, Export]],
    code: str = "",
    key: Fingerprint | None = None,
) -> Cached:
    """The exports of `kinds` for the records as they are now: those stored under the current
    key, the others built (all of them from one read of the records, by `build`) and stored.
    A folder that cannot be written to costs a build per request, never a failed request.
    `code`: see `fingerprint`; `key`: the fingerprint when it was just read (by a call of this
    request for other kinds), not read again."""
    kinds = tuple(kinds)
    found = key or fingerprint(config, code)
    folder = cache_dir(config)
    paths = {kind: _path(folder, kind, found) for kind in kinds}
    stored = {kind: _read(path) for kind, path in paths.items()}
    missing = tuple(kind for kind, export in stored.items() if export is None)
    if missing:
        with ExitStack() as held:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                held.enter_context(_build_lock(folder, found.database))
            except OSError as error:
                current_app.logger.warning("open-data files not kept (%s): %s", folder, error)
                stored.update(build(missing))
                return Cached(found, stored)  # type: ignore[arg-type]
            # Another process may have built them while this one waited.
            stored.update((kind, _read(paths[kind])) for kind in missing)
            missing = tuple(kind for kind, export in stored.items() if export is None)
            if missing:
                built = build(missing)
                for kind in missing:
                    stored[kind] = built[kind]
                    try:
                        _write(paths[kind], built[kind])
                        _prune(folder, kind, paths[kind], found.database)
                    except OSError as error:
                        current_app.logger.warning("open-data file not kept: %s", error)
    return Cached(found, {k: export for k, export in stored.items() if export is not None})
