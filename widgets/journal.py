"""The private journal: every answer, saved the moment it is given.

One SQLite file per household, on the person's own device. It holds two
partner profiles ("a" and "b") and a shared space for what the couple fills in
together. A partner's private answers are read only through that partner's
``PartnerView``; nothing in this module hands one partner's rows to the other.

Every write is its own transaction with ``synchronous=FULL``, so a crash or a
kernel restart loses nothing already written. The file and its folder are
private to their owner (0600 / 0700).
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import os
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any, Iterator

from . import paths

SCHEMA_VERSION = 2
EXPORT_FORMAT = "closer-again-journal"
EXPORT_VERSION = 1
PARTNER_SLOTS = ("a", "b")
SHARED = "shared"
SCOPES = PARTNER_SLOTS + (SHARED,)
#: Text answers longer than this are refused by the journal itself (the forms
#: have their own, smaller limits and say so kindly before this is reached).
MAX_TEXT = 100_000


class JournalError(Exception):
    """A problem with the journal file, phrased for a participant."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


KIND_MESSAGES = {
    "locked": "Your journal is busy in another window. What you typed is still "
    "here; it will be saved with your next change, or press 'Try again'.",
    "full": "There is no room left on this device to save. What you typed is "
    "still here. Free some space, then press 'Try again'.",
    "readonly": "This device won't let us write to your journal file. What you "
    "typed is still here. Ask whoever set up the computer to check the folder.",
    "corrupt": "Your journal file could not be read, so we kept it aside, "
    "untouched, and started a fresh one.",
    "too_long": "That is too long to keep in one answer.",
    "bad_file": "That file is not a Closer Again journal export.",
}


def _classify(exc: sqlite3.Error) -> JournalError:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        kind = "locked"
    elif "full" in text or "disk i/o" in text:
        kind = "full"
    elif "readonly" in text or "read-only" in text or "unable to open" in text:
        kind = "readonly"
    elif "not a database" in text or "malformed" in text:
        kind = "corrupt"
    else:
        kind = "readonly"
    return JournalError(kind, KIND_MESSAGES[kind])


def clean_text(value: str) -> str:
    """Make user text safe to store: NFC, no NUL, no lone surrogates."""
    value = value.replace("\x00", "")
    value = value.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(value) else value
    return unicodedata.normalize("NFC", value)


def _has_surrogates(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise JournalError("too_long", KIND_MESSAGES["too_long"])
        return clean_text(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def now_iso() -> str:
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


# -- schema and migrations --------------------------------------------------

# Each migration is a list of statements, run in one transaction with the
# version bump (``executescript`` would commit early, so it is not used).
MIGRATIONS: dict[int, list[str]] = {
    1: [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE partners (
            slot TEXT PRIMARY KEY CHECK (slot IN ('a', 'b')),
            name TEXT NOT NULL,
            created_at TEXT NOT NULL
        )""",
        """CREATE TABLE answers (
            scope TEXT NOT NULL CHECK (scope IN ('a', 'b', 'shared')),
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (scope, key)
        )""",
    ],
    # 2: keep every change, so logs can show what changed and when
    2: [
        """CREATE TABLE history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            scope TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT,
            changed_at TEXT NOT NULL
        )""",
        "CREATE INDEX history_scope_key ON history (scope, key, id)",
    ],
}


# -- the journal ------------------------------------------------------------

class Journal:
    """The household's journal file. Use ``partner()`` or ``shared()`` to read."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path else paths.journal_path()
        self.recovered_from: Path | None = None
        self._db: sqlite3.Connection | None = None

    # connection -----------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        try:
            paths.ensure_private_dir(self.path.parent)
            paths.ensure_private_file(self.path)
            try:
                db = self._open()
            except sqlite3.DatabaseError as exc:
                err = _classify(exc)
                if err.kind != "corrupt":
                    raise err from exc
                self._set_aside_corrupt()
                db = self._open()
        except OSError as exc:  # the folder or file itself: a full disk, a read-only or missing drive
            kind = "full" if exc.errno == errno.ENOSPC else "readonly"
            raise JournalError(kind, KIND_MESSAGES[kind]) from exc
        self._db = db
        return db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._target(), timeout=3.0, isolation_level=None)
        try:
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            # erased answers are overwritten, not left in free pages
            db.execute("PRAGMA secure_delete=ON")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                db.close()
                raise JournalError(
                    "readonly",
                    "This journal was made by a newer version of Closer Again. "
                    "Please update the workshop to open it.",
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                db.execute("BEGIN IMMEDIATE")
                if db.execute("PRAGMA user_version").fetchone()[0] >= target:
                    db.execute("ROLLBACK")  # another window migrated it meanwhile
                    continue
                try:
                    for statement in MIGRATIONS[target]:
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version={target}")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _target(self) -> str | Path:
        return self.path

    def _set_aside_corrupt(self) -> None:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.unreadable-{stamp}")
        os.replace(self.path, aside)
        for suffix in ("-journal", "-wal", "-shm"):
            extra = Path(str(self.path) + suffix)
            if extra.exists():
                os.replace(extra, Path(str(aside) + suffix))
        self.recovered_from = aside
        paths.ensure_private_file(self.path)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            db = self._connect()
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _classify(exc) from exc
        self.changed()

    def changed(self) -> None:
        """Called after every committed write (a browser-held journal mirrors itself here)."""

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            return self._connect().execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise _classify(exc) from exc

    # views ----------------------------------------------------------------
    def partner(self, slot: str) -> "PartnerView":
        if slot not in PARTNER_SLOTS:
            raise ValueError(f"unknown partner slot {slot!r}")
        return PartnerView(self, slot)

    def shared(self) -> "PartnerView":
        return PartnerView(self, SHARED)

    # profiles -------------------------------------------------------------
    def partner_names(self) -> dict[str, str]:
        rows = self._read("SELECT slot, name FROM partners")
        return dict(rows)

    def set_partner_name(self, slot: str, name: str) -> None:
        if slot not in PARTNER_SLOTS:
            raise ValueError(f"unknown partner slot {slot!r}")
        name = clean_text(name).strip()[:60]
        with self._write() as db:
            db.execute(
                "INSERT INTO partners (slot, name, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT(slot) DO UPDATE SET name = excluded.name",
                (slot, name, now_iso()),
            )

    # whole-journal actions --------------------------------------------------
    def schema_version(self) -> int:
        return self._read("PRAGMA user_version")[0][0]

    def erase_everything(self) -> None:
        """Delete the journal file (both partners' answers). Cannot be undone."""
        self.close()
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(str(self.path) + suffix).unlink()


class PartnerView:
    """Read and write one scope only: partner "a", partner "b", or "shared"."""

    def __init__(self, journal: Journal, scope: str):
        self.journal = journal
        self.scope = scope

    def get(self, key: str, default: Any = None) -> Any:
        rows = self.journal._read(
            "SELECT value FROM answers WHERE scope = ? AND key = ?", (self.scope, key)
        )
        return json.loads(rows[0][0]) if rows else default

    def put(self, key: str, value: Any, keep_history: bool = True) -> str:
        """Save one answer now. Returns the time it was saved (ISO).

        ``keep_history=False`` keeps no earlier versions (for answers that may
        later be locked, such as the private menu).
        """
        value = _clean(value)
        stamp = now_iso()
        encoded = json.dumps(value, ensure_ascii=False)
        with self.journal._write() as db:
            db.execute(
                "INSERT INTO answers (scope, key, value, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(scope, key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (self.scope, key, encoded, stamp),
            )
            if keep_history:
                db.execute(
                    "INSERT INTO history (scope, key, value, changed_at) VALUES (?, ?, ?, ?)",
                    (self.scope, key, encoded, stamp),
                )
            else:
                db.execute("DELETE FROM history WHERE scope = ? AND key = ?", (self.scope, key))
        return stamp

    def delete(self, key: str, keep_history: bool = True) -> None:
        with self.journal._write() as db:
            db.execute("DELETE FROM answers WHERE scope = ? AND key = ?", (self.scope, key))
            if keep_history:
                db.execute(
                    "INSERT INTO history (scope, key, value, changed_at) VALUES (?, ?, NULL, ?)",
                    (self.scope, key, now_iso()),
                )
            else:
                db.execute("DELETE FROM history WHERE scope = ? AND key = ?", (self.scope, key))

    def items(self, prefix: str = "") -> dict[str, Any]:
        rows = self.journal._read(
            "SELECT key, value FROM answers WHERE scope = ? AND key LIKE ? ESCAPE '\\' "
            "ORDER BY key",
            (self.scope, _like_prefix(prefix)),
        )
        return {k: json.loads(v) for k, v in rows}

    def history(self, key: str) -> list[tuple[str, Any]]:
        rows = self.journal._read(
            "SELECT changed_at, value FROM history WHERE scope = ? AND key = ? ORDER BY id",
            (self.scope, key),
        )
        return [(when, None if v is None else json.loads(v)) for when, v in rows]

    # export / import / erase ------------------------------------------------
    def export(self) -> dict:
        """This scope's answers (and the shared ones), ready for a JSON file."""
        rows = self.journal._read(
            "SELECT scope, key, value, updated_at FROM answers WHERE scope IN (?, ?) "
            "ORDER BY scope, key",
            (self.scope, SHARED),
        )
        names = self.journal.partner_names()
        return {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": now_iso(),
            "name": names.get(self.scope, ""),
            "answers": [
                {
                    "space": "shared" if scope == SHARED else "mine",
                    "key": key,
                    "value": json.loads(value),
                    "updated_at": updated,
                }
                for scope, key, value, updated in rows
            ],
        }

    def import_(self, data: dict) -> int:
        """Merge an export into this scope; newer answers win. Returns how many changed."""
        if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
            raise JournalError("bad_file", KIND_MESSAGES["bad_file"])
        if data.get("version", 0) > EXPORT_VERSION:
            raise JournalError(
                "bad_file", "That export was made by a newer version of Closer Again."
            )
        answers = data.get("answers")
        if not isinstance(answers, list):
            raise JournalError("bad_file", KIND_MESSAGES["bad_file"])
        changed = 0
        with self.journal._write() as db:
            for row in answers:
                if not isinstance(row, dict) or not isinstance(row.get("key"), str):
                    raise JournalError("bad_file", KIND_MESSAGES["bad_file"])
                scope = SHARED if row.get("space") == "shared" else self.scope
                if self.scope == SHARED:
                    scope = SHARED
                stamp = str(row.get("updated_at") or now_iso())
                encoded = json.dumps(_clean(row.get("value")), ensure_ascii=False)
                current = db.execute(
                    "SELECT updated_at FROM answers WHERE scope = ? AND key = ?",
                    (scope, row["key"]),
                ).fetchone()
                if current and current[0] >= stamp:
                    continue
                db.execute(
                    "INSERT INTO answers (scope, key, value, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(scope, key) DO UPDATE SET value = excluded.value, "
                    "updated_at = excluded.updated_at",
                    (scope, row["key"], encoded, stamp),
                )
                db.execute(
                    "INSERT INTO history (scope, key, value, changed_at) VALUES (?, ?, ?, ?)",
                    (scope, row["key"], encoded, stamp),
                )
                changed += 1
        name = data.get("name")
        if changed and self.scope in PARTNER_SLOTS and isinstance(name, str) and name.strip():
            if not self.journal.partner_names().get(self.scope):
                self.journal.set_partner_name(self.scope, name)
        return changed

    def erase(self) -> None:
        """Erase this scope's answers and their history."""
        with self.journal._write() as db:
            db.execute("DELETE FROM answers WHERE scope = ?", (self.scope,))
            db.execute("DELETE FROM history WHERE scope = ?", (self.scope,))
            if self.scope in PARTNER_SLOTS:
                db.execute("DELETE FROM partners WHERE slot = ?", (self.scope,))


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
