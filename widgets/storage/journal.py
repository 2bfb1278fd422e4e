"""The private journal: every answer, saved the moment it is given.

One SQLite file per household, on the person's own device. It holds two
partner profiles ("a" and "b") and a shared space for what the couple fills in
together. A partner's private answers are read only through that partner's
``PartnerView``; nothing in this module hands one partner's rows to the other.

A partner may lock their private space with a passphrase (``lock_space``):
their answers and history then live only in a sealed vault (see
``space_lock``), readable through a ``LockedView`` once the owner has opened
it with ``open_space``, and by nobody while it is closed.

Every write is its own transaction with ``synchronous=FULL``, so a crash or a
kernel restart loses nothing already written. The file and its folder are
private to their owner (0600 / 0700).
"""
from __future__ import annotations

import contextlib
import copy
import datetime as _dt
import errno
import json
import os
import sqlite3
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Iterator

from .. import curriculum
from . import paths
from .space_lock import (
    MIN_PASSPHRASE,
    DamagedVault,
    OpenVault,
    WrongPassphrase,
    derive_key,
    empty_contents,
    long_enough,
    new_header,
    new_stamp,
    seal,
    unseal,
    vault_purpose,
)

SCHEMA_VERSION = 4
EXPORT_FORMAT = "closer-again-journal"
EXPORT_VERSION = 2  # 2: a locked partner's private answers travel sealed ("sealed_private")
EXPORT_PURPOSE = "closer-again-export-1"
PENDING_PURPOSE = "closer-again-pending-1"
PARTNER_SLOTS = ("a", "b")
SHARED = "shared"
#: Text answers longer than this are refused by the journal itself (the forms
#: have their own, smaller limits and say so kindly before this is reached).
MAX_TEXT = 100_000


class JournalError(Exception):
    """A problem with the journal file, phrased for a participant."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


class _KindMessages(Mapping):
    """Kind of journal problem -> what the participant reads (``content/ui.toml`` [journal_errors])."""

    _KINDS = ("locked", "full", "readonly", "corrupt", "too_long", "bad_file", "space_locked",
              "needs_passphrase", "wrong_passphrase", "short_passphrase", "damaged_vault")

    def __getitem__(self, kind: str) -> str:
        if kind not in self._KINDS:
            raise KeyError(kind)
        return curriculum.text(f"journal_errors.{kind}", min=MIN_PASSPHRASE)

    def __iter__(self):
        return iter(self._KINDS)

    def __len__(self) -> int:
        return len(self._KINDS)


KIND_MESSAGES = _KindMessages()


#: seconds a read or write waits for another window that holds the journal file
BUSY_WAIT = 3.0


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
    # 3: the check-in's one question "Desire for closeness or sex" became two (sexual desire,
    # wish for closeness). Old answers keep their days and values under "desire_combined",
    # which the chart names as the old combined question; nothing is made up for the new ones.
    3: [
        f"UPDATE {table} SET key = substr(key, 1, length(key) - length('desire')) || 'desire_combined' "
        "WHERE key GLOB 'm01/checkin/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]/desire'"
        for table in ("answers", "history")
    ],
    # 4: a partner may lock their private space: their answers then live only in a sealed vault.
    # ``header`` holds the key-derivation settings and salt (no secret); ``stamp`` is random per
    # write, so another window can tell the vault changed without learning when or how often.
    4: [
        """CREATE TABLE vaults (
            slot TEXT PRIMARY KEY CHECK (slot IN ('a', 'b')),
            header TEXT NOT NULL,
            sealed TEXT NOT NULL,
            stamp TEXT NOT NULL
        )""",
    ],
}


# -- the journal ------------------------------------------------------------

class Journal:
    """The household's journal file. Use ``partner()`` or ``shared()`` to read."""

    _busy_wait = BUSY_WAIT
    _once_depth = 0  # inside waiting_once()

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = paths.journal_path(path)  # the parameter, the settings or the default; "~" expanded
        self.recovered_from: Path | None = None
        #: called once a journal kept elsewhere (a browser) was handed back: True if it was read,
        #: False if what was kept could not be read (the page then says so). A file journal never calls.
        self.on_restore: list[Callable[[bool], None]] = []
        #: called with False when the place that keeps the answers refused a write, and with True when
        #: writes work again. A file journal raises ``JournalError`` instead, so it never calls.
        self.on_store_result: list[Callable[[bool], None]] = []
        self._db: sqlite3.Connection | None = None
        self._vaults: dict[str, OpenVault] = {}  # opened private spaces: key and answers, in memory only

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

    def _set_busy_wait(self, seconds: float) -> None:
        """How long a read or write waits for another window that holds the file (0: fail at once)."""
        self._busy_wait = seconds
        if self._db is not None:
            self._db.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")

    @contextlib.contextmanager
    def waiting_once(self) -> Iterator[None]:
        """Within this block, once the file is found busy, later reads and writes fail at once.

        A hand-over reads the journal for every card; if another window holds the file,
        each read would wait ``BUSY_WAIT`` seconds in turn, and the page would hang for
        half a minute. One wait is enough: the other cards then say so at once.
        """
        self._once_depth += 1
        try:
            yield
        finally:
            self._once_depth -= 1
            if not self._once_depth and self._busy_wait != BUSY_WAIT:
                self._set_busy_wait(BUSY_WAIT)

    def _failed(self, exc: sqlite3.Error) -> JournalError:
        err = _classify(exc)
        if err.kind == "locked" and self._once_depth:
            self._set_busy_wait(0)
        return err

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._target(), timeout=self._busy_wait, isolation_level=None)
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
        self.close_all_spaces()
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
            raise self._failed(exc) from exc
        self.changed()

    def changed(self) -> None:
        """Called after every committed write (a browser-held journal mirrors itself here)."""

    def page_widgets(self) -> list:
        """What a page shows for this kind of journal (a browser-held one: its store and a note). None for a file."""
        return []

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            return self._connect().execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc

    # views ----------------------------------------------------------------
    def partner(self, slot: str) -> "PartnerView | LockedView":
        """That partner's private space; raises ``JournalError("space_locked")`` while it is locked and closed."""
        if slot not in PARTNER_SLOTS:
            raise ValueError(f"unknown partner slot {slot!r}")
        if self.is_locked(slot):
            if slot not in self._vaults:
                raise JournalError("space_locked", KIND_MESSAGES["space_locked"])
            return LockedView(self, slot)
        self.close_space(slot)  # the lock was removed in another window
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

    # locked private spaces ----------------------------------------------------
    def is_locked(self, slot: str) -> bool:
        return bool(self._read("SELECT 1 FROM vaults WHERE slot = ?", (slot,)))

    def is_open(self, slot: str) -> bool:
        """A locked space its owner has opened in this window."""
        return slot in self._vaults

    def _vault_row(self, slot: str) -> tuple[dict, str, str] | None:
        rows = self._read("SELECT header, sealed, stamp FROM vaults WHERE slot = ?", (slot,))
        if not rows:
            return None
        header, sealed, stamp = rows[0]
        return json.loads(header), sealed, stamp

    def open_space(self, slot: str, passphrase: str) -> None:
        """Open a locked space for its owner; a pending request to erase it is dropped.

        Raises ``WrongPassphrase``, or ``JournalError("damaged_vault")``.
        """
        row = self._vault_row(slot)
        if row is None:
            raise WrongPassphrase
        try:
            self._vaults[slot] = OpenVault.unlock(slot, *row, passphrase)
        except DamagedVault as exc:
            raise JournalError("damaged_vault", KIND_MESSAGES["damaged_vault"]) from exc
        if self.erase_requested(slot):
            with self._write() as db:
                db.execute("DELETE FROM meta WHERE key = ?", (f"erase_requested:{slot}",))

    def check_passphrase(self, slot: str, passphrase: str) -> bool:
        """Whether ``passphrase`` opens ``slot``'s locked space (nothing is opened)."""
        row = self._vault_row(slot)
        if row is None or not passphrase:
            return False
        try:
            OpenVault.unlock(slot, *row, passphrase).forget()
        except (WrongPassphrase, DamagedVault):
            return False
        return True

    def peek(self, slot: str, passphrase: str, key: str, default: Any = None) -> Any:
        """One answer of a locked space, read with its passphrase, without opening the space."""
        row = self._vault_row(slot)
        if row is None:
            raise WrongPassphrase
        try:
            vault = OpenVault.unlock(slot, *row, passphrase)
        except DamagedVault as exc:
            raise WrongPassphrase from exc
        try:
            found = vault.contents["answers"].get(key)
            return json.loads(found[0]) if found else default
        finally:
            vault.forget()

    def close_space(self, slot: str) -> None:
        vault = self._vaults.pop(slot, None)
        if vault is not None:
            vault.forget()

    def close_all_spaces(self) -> None:
        for slot in list(self._vaults):
            self.close_space(slot)

    def lock_space(self, slot: str, passphrase: str) -> None:
        """Lock a partner's space: move every plain answer and its history into a sealed vault.

        One transaction: afterwards no plain row of that partner is left (``secure_delete``
        overwrites the freed pages). The space stays open for its owner.
        """
        if slot not in PARTNER_SLOTS:
            raise ValueError(f"unknown partner slot {slot!r}")
        if not long_enough(passphrase):
            raise JournalError("short_passphrase", KIND_MESSAGES["short_passphrase"])
        header = new_header()
        key = derive_key(passphrase, header)
        with self._write() as db:
            if db.execute("SELECT 1 FROM vaults WHERE slot = ?", (slot,)).fetchone():
                raise JournalError("space_locked", KIND_MESSAGES["space_locked"])
            contents = empty_contents()
            for k, value, updated in db.execute(
                    "SELECT key, value, updated_at FROM answers WHERE scope = ?", (slot,)):
                contents["answers"][k] = [value, updated]
            contents["history"] = [list(r) for r in db.execute(
                "SELECT key, value, changed_at FROM history WHERE scope = ? ORDER BY id", (slot,))]
            vault = OpenVault(slot, header, key, contents, new_stamp())
            db.execute("INSERT INTO vaults (slot, header, sealed, stamp) VALUES (?, ?, ?, ?)",
                       (slot, json.dumps(header), vault.sealed(), vault.stamp))
            db.execute("DELETE FROM answers WHERE scope = ?", (slot,))
            db.execute("DELETE FROM history WHERE scope = ?", (slot,))
        self._vaults[slot] = vault

    def change_passphrase(self, slot: str, passphrase: str) -> None:
        """Seal an open space again under a new passphrase (a new salt and key)."""
        if not long_enough(passphrase):
            raise JournalError("short_passphrase", KIND_MESSAGES["short_passphrase"])
        vault = self._open_vault(slot)
        header = new_header()
        key = derive_key(passphrase, header)

        def reseal(db: sqlite3.Connection, contents: dict) -> str:
            stamp = new_stamp()
            db.execute("UPDATE vaults SET header = ?, sealed = ?, stamp = ? WHERE slot = ?",
                       (json.dumps(header), seal(key, contents, vault_purpose(slot)), stamp, slot))
            return stamp

        contents, stamp = self._with_vault(slot, lambda contents: None, writer=reseal)
        vault.header, vault.key = header, key

    def remove_lock(self, slot: str) -> None:
        """Move an open space's answers back into plain rows and delete the vault."""
        vault = self._open_vault(slot)
        with self._write() as db:
            contents = self._fresh_contents(db, vault)
            for k, (value, updated) in contents["answers"].items():
                db.execute("INSERT OR REPLACE INTO answers (scope, key, value, updated_at) VALUES (?, ?, ?, ?)",
                           (slot, k, value, updated))
            for k, value, changed in contents["history"]:
                db.execute("INSERT INTO history (scope, key, value, changed_at) VALUES (?, ?, ?, ?)",
                           (slot, k, value, changed))
            db.execute("DELETE FROM vaults WHERE slot = ?", (slot,))
        self.close_space(slot)

    def erase_partner(self, slot: str) -> None:
        """Erase one partner's private answers, name and lock; works on a locked space too."""
        if slot not in PARTNER_SLOTS:
            raise ValueError(f"unknown partner slot {slot!r}")
        with self._write() as db:
            db.execute("DELETE FROM answers WHERE scope = ?", (slot,))
            db.execute("DELETE FROM history WHERE scope = ?", (slot,))
            db.execute("DELETE FROM vaults WHERE slot = ?", (slot,))
            db.execute("DELETE FROM partners WHERE slot = ?", (slot,))
            db.execute("DELETE FROM meta WHERE key IN (?, ?)", (f"lock_offered:{slot}", f"erase_requested:{slot}"))
        self.close_space(slot)

    def partner_in_use(self, slot: str) -> bool:
        """Whether this journal holds anything of that partner: a name, an answer or a lock."""
        return bool(self._read(
            "SELECT 1 FROM partners WHERE slot = ? UNION ALL SELECT 1 FROM answers WHERE scope = ? "
            "UNION ALL SELECT 1 FROM vaults WHERE slot = ? LIMIT 1", (slot, slot, slot)))

    # a forgotten passphrase: erasing waits, so no one else can erase a locked space at once
    def request_erase(self, slot: str, when: _dt.datetime) -> None:
        """Ask to erase a locked space whose passphrase is forgotten (done later by ``erase_if_due``)."""
        with self._write() as db:
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                       (f"erase_requested:{slot}", when.isoformat(timespec="seconds")))

    def erase_requested(self, slot: str) -> _dt.datetime | None:
        """When erasing this locked space was asked for, if it still waits (opening it cancels the request)."""
        rows = self._read("SELECT value FROM meta WHERE key = ?", (f"erase_requested:{slot}",))
        try:
            return _dt.datetime.fromisoformat(rows[0][0]) if rows else None
        except ValueError:
            return None

    def erase_if_due(self, slot: str, wait: _dt.timedelta, now: _dt.datetime) -> bool:
        """Erase a locked space once its erase request has waited ``wait``. True if it was erased."""
        asked = self.erase_requested(slot)
        if asked is None or now - asked < wait:
            return False
        self.erase_partner(slot)
        return True

    def lock_offered(self, slot: str) -> bool:
        """Whether this partner was already asked, on this journal, if they want a lock."""
        return bool(self._read("SELECT 1 FROM meta WHERE key = ?", (f"lock_offered:{slot}",)))

    def mark_lock_offered(self, slot: str) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')", (f"lock_offered:{slot}",))

    def seal_pending(self, slot: str, data: Any) -> str:
        """Seal answers that wait to be saved, before an open space closes."""
        vault = self._open_vault(slot)
        return seal(vault.key, data, f"{PENDING_PURPOSE}:{slot}")

    def unseal_pending(self, slot: str, token: str) -> Any:
        return unseal(self._open_vault(slot).key, token, f"{PENDING_PURPOSE}:{slot}")

    # the open vault, kept in step with the file -----------------------------------
    def _open_vault(self, slot: str) -> OpenVault:
        vault = self._vaults.get(slot)
        if vault is None:
            raise JournalError("space_locked", KIND_MESSAGES["space_locked"])
        return vault

    def _fresh_contents(self, db: sqlite3.Connection, vault: OpenVault) -> dict:
        row = db.execute("SELECT sealed, stamp FROM vaults WHERE slot = ?", (vault.slot,)).fetchone()
        if row is None:  # erased or unlocked in another window
            self.close_space(vault.slot)
            raise JournalError("space_locked", KIND_MESSAGES["space_locked"])
        if row[1] != vault.stamp:
            vault.reload(*row)
        return vault.contents

    def _vault_contents(self, slot: str) -> dict:
        vault = self._open_vault(slot)
        try:
            return self._fresh_contents(self._connect(), vault)
        except sqlite3.Error as exc:
            raise self._failed(exc) from exc

    def _with_vault(self, slot: str, change, writer=None) -> tuple[dict, str]:
        """Apply ``change`` to a copy of the open vault's contents and seal it, in one transaction."""
        vault = self._open_vault(slot)

        def rewrite(db: sqlite3.Connection, contents: dict) -> str:
            stamp = new_stamp()
            db.execute("UPDATE vaults SET sealed = ?, stamp = ? WHERE slot = ?",
                       (seal(vault.key, contents, vault_purpose(slot)), stamp, slot))
            return stamp

        with self._write() as db:
            contents = copy.deepcopy(self._fresh_contents(db, vault))
            change(contents)
            stamp = (writer or rewrite)(db, contents)
        vault.contents, vault.stamp = contents, stamp
        return contents, stamp

    # export and import, for either kind of space ---------------------------------
    def _export(self, scope: str) -> dict:
        names = self.partner_names()
        shared_rows = self._read("SELECT key, value, updated_at FROM answers WHERE scope = ? ORDER BY key", (SHARED,))
        export: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": now_iso(),
            "name": names.get(scope, ""),
            "answers": [{"space": "shared", "key": k, "value": json.loads(v), "updated_at": t}
                        for k, v, t in shared_rows],
        }
        if scope == SHARED:
            return export
        if scope in self._vaults:
            vault = self._vaults[scope]
            rows = [[k, v, t] for k, (v, t) in sorted(self._vault_contents(scope)["answers"].items())]
            export["sealed_private"] = {"header": vault.header,
                                        "sealed": seal(vault.key, {"answers": rows}, EXPORT_PURPOSE)}
        else:
            mine = self._read("SELECT key, value, updated_at FROM answers WHERE scope = ? ORDER BY key", (scope,))
            export["answers"] += [{"space": "mine", "key": k, "value": json.loads(v), "updated_at": t}
                                  for k, v, t in mine]
        return export

    def _import(self, scope: str, data: dict, passphrase: str = "") -> int:
        """Merge an export into ``scope`` (and the shared space); newer answers win."""
        if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
            raise JournalError("bad_file", KIND_MESSAGES["bad_file"])
        if not isinstance(data.get("version", 0), int) or data.get("version", 0) > EXPORT_VERSION:
            raise JournalError("bad_file", "That export was made by a newer version of Closer Again.")
        answers = data.get("answers")
        if not isinstance(answers, list):
            raise JournalError("bad_file", KIND_MESSAGES["bad_file"])
        rows: list[tuple[str, str, str, str]] = []  # (scope, key, encoded value, stamp)
        for row in answers:
            if not isinstance(row, dict) or not isinstance(row.get("key"), str):
                raise JournalError("bad_file", KIND_MESSAGES["bad_file"])
            target = SHARED if row.get("space") == "shared" or scope == SHARED else scope
            rows.append((target, row["key"], json.dumps(_clean(row.get("value")), ensure_ascii=False),
                         str(row.get("updated_at") or now_iso())))
        sealed = data.get("sealed_private")
        if sealed is not None and scope != SHARED:
            for k, v, t in self._unseal_export(scope, sealed, passphrase):
                rows.append((scope, k, json.dumps(_clean(json.loads(v)), ensure_ascii=False), str(t)))
        locked = scope in PARTNER_SLOTS and self.is_locked(scope)
        changed = 0
        with self._write() as db:
            contents = copy.deepcopy(self._fresh_contents(db, self._open_vault(scope))) if locked else None
            for target, key, encoded, stamp in rows:
                if contents is not None and target == scope:
                    current = contents["answers"].get(key)
                    if current and current[1] >= stamp:
                        continue
                    contents["answers"][key] = [encoded, stamp]
                    contents["history"].append([key, encoded, stamp])
                    changed += 1
                    continue
                current = db.execute("SELECT updated_at FROM answers WHERE scope = ? AND key = ?",
                                     (target, key)).fetchone()
                if current and current[0] >= stamp:
                    continue
                db.execute(
                    "INSERT INTO answers (scope, key, value, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                    (target, key, encoded, stamp))
                db.execute("INSERT INTO history (scope, key, value, changed_at) VALUES (?, ?, ?, ?)",
                           (target, key, encoded, stamp))
                changed += 1
            if contents is not None:
                vault = self._vaults[scope]
                stamp = new_stamp()
                db.execute("UPDATE vaults SET sealed = ?, stamp = ? WHERE slot = ?",
                           (seal(vault.key, contents, vault_purpose(scope)), stamp, scope))
        if contents is not None:
            self._vaults[scope].contents, self._vaults[scope].stamp = contents, stamp
        name = data.get("name")
        if changed and scope in PARTNER_SLOTS and isinstance(name, str) and name.strip():
            if not self.partner_names().get(scope):
                self.set_partner_name(scope, name)
        return changed

    def _unseal_export(self, scope: str, sealed: Any, passphrase: str) -> list:
        if not isinstance(sealed, dict) or not isinstance(sealed.get("header"), dict):
            raise JournalError("bad_file", KIND_MESSAGES["bad_file"])
        vault = self._vaults.get(scope)
        try:
            if vault is not None and vault.header == sealed["header"]:
                key = vault.key
            elif passphrase:
                key = derive_key(passphrase, sealed["header"])
            else:
                raise JournalError("needs_passphrase", KIND_MESSAGES["needs_passphrase"])
            private = unseal(key, str(sealed.get("sealed", "")), EXPORT_PURPOSE)
        except DamagedVault as exc:
            raise JournalError("bad_file", KIND_MESSAGES["bad_file"]) from exc
        except WrongPassphrase as exc:
            kind = "wrong_passphrase" if passphrase else "needs_passphrase"
            raise JournalError(kind, KIND_MESSAGES[kind]) from exc
        found = private.get("answers") if isinstance(private, dict) else None
        if not isinstance(found, list) or not all(isinstance(r, list) and len(r) == 3 for r in found):
            raise JournalError("bad_file", KIND_MESSAGES["bad_file"])
        return found

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
        return self.journal._export(self.scope)

    def import_(self, data: dict, passphrase: str = "") -> int:
        """Merge an export into this scope; newer answers win. Returns how many changed."""
        return self.journal._import(self.scope, data, passphrase)

    def erase(self) -> None:
        """Erase this scope's answers and their history (a partner's name and lock too)."""
        if self.scope in PARTNER_SLOTS:
            self.journal.erase_partner(self.scope)
            return
        with self.journal._write() as db:
            db.execute("DELETE FROM answers WHERE scope = ?", (self.scope,))
            db.execute("DELETE FROM history WHERE scope = ?", (self.scope,))


class LockedView(PartnerView):
    """An open locked space: the calls of ``PartnerView``, over the sealed vault."""

    def get(self, key: str, default: Any = None) -> Any:
        row = self.journal._vault_contents(self.scope)["answers"].get(key)
        return json.loads(row[0]) if row else default

    def put(self, key: str, value: Any, keep_history: bool = True) -> str:
        encoded = json.dumps(_clean(value), ensure_ascii=False)
        stamp = now_iso()

        def change(contents: dict) -> None:
            contents["answers"][key] = [encoded, stamp]
            if keep_history:
                contents["history"].append([key, encoded, stamp])
            else:
                contents["history"] = [h for h in contents["history"] if h[0] != key]

        self.journal._with_vault(self.scope, change)
        return stamp

    def delete(self, key: str, keep_history: bool = True) -> None:
        def change(contents: dict) -> None:
            contents["answers"].pop(key, None)
            if keep_history:
                contents["history"].append([key, None, now_iso()])
            else:
                contents["history"] = [h for h in contents["history"] if h[0] != key]

        self.journal._with_vault(self.scope, change)

    def items(self, prefix: str = "") -> dict[str, Any]:
        answers = self.journal._vault_contents(self.scope)["answers"]
        return {k: json.loads(v[0]) for k, v in sorted(answers.items()) if k.startswith(prefix)}

    def history(self, key: str) -> list[tuple[str, Any]]:
        return [(when, None if v is None else json.loads(v))
                for k, v, when in self.journal._vault_contents(self.scope)["history"] if k == key]


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
