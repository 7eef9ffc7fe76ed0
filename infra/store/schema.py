"""Versioned schema migrations for the stores, shared by the SQLite and PostgreSQL backends.

Migrations are SQL files ``migrations/<dialect>/NNNN_name.sql``, applied in version order and
recorded in ``schema_migrations`` (version, name, checksum, applied_at), each in the same
transaction as its record. A store applies what is pending when it opens (unless told not to,
``?migrate=false``), and ``euradar migrate`` does it on demand. An applied file that was edited
afterwards is refused: change a schema by adding a migration, never by editing one.

This module is pure (files in, decisions out); the backends run the SQL.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from euradar.core.errors import ConfigError

log = logging.getLogger(__name__)
STATUS_PAGE = 500  # items per page when a store walks every item of some status
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

CREATE_LOG_TABLE = ("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


@dataclass
class MigrationReport:
    """What ``euradar migrate`` prints: where the schema was, what was applied, where it is."""

    dialect: str
    before: int  # schema version found
    after: int  # schema version left (= before on a dry run)
    latest: int  # the newest migration this code has
    applied: list[str] = field(default_factory=list)  # applied by this call
    pending: list[str] = field(default_factory=list)  # still to apply


def load_migrations(dialect: str, root: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations of ``dialect`` in version order; versions must run 1, 2, 3 ... ."""
    folder = root / dialect
    found: list[Migration] = []
    for path in sorted(folder.glob("*.sql")):
        m = _FILE.match(path.name)
        if not m:
            raise ConfigError(f"{path}: migration files are named NNNN_name.sql")
        found.append(Migration(int(m.group(1)), m.group(2), path.read_text(encoding="utf-8")))
    if not found:
        raise ConfigError(f"no migrations in {folder}")
    versions = [mig.version for mig in found]
    if versions != list(range(1, len(found) + 1)):
        raise ConfigError(f"{folder}: migration versions must be 1..{len(found)} without gaps, "
                          f"found {versions}")
    return found


def plan(migrations: list[Migration], applied: Mapping[int, str]) -> list[Migration]:
    """The migrations still to apply, given ``applied`` (version -> checksum) from the database.

    An applied migration whose file changed since is an error (the database and the code would
    disagree about the schema). A database newer than this code is logged, not refused: a
    rolling upgrade runs old and new processes side by side, and migrations only add.
    """
    by_version = {m.version: m for m in migrations}
    for version, checksum in sorted(applied.items()):
        known = by_version.get(version)
        if known is None:
            log.warning("store schema has migration %d, newer than this euradar knows (%d)",
                        version, len(migrations))
        elif known.checksum != checksum:
            raise ConfigError(f"migration {known.label} was edited after it was "
                              "applied to this store; add a new migration instead")
    return [m for m in migrations if m.version not in applied]


def split_statements(sql: str) -> list[str]:
    """Split a migration into statements at ``;`` ending a line (comments dropped), for
    drivers that run one statement per call inside a transaction (sqlite3)."""
    statements, current = [], []
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        current.append(line)
        if stripped.endswith(";"):
            statements.append("\n".join(current).rstrip().rstrip(";"))
            current = []
    if current:
        statements.append("\n".join(current))
    return statements
