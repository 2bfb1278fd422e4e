"""The group pulse's store: anonymous totals only, in one small SQLite file on the facilitator's laptop."""
from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .. import curriculum
from . import paths

PULSE_FILENAME = "pulse.sqlite3"


#: results stay hidden until at least this many people answered a poll
MIN_ANSWERS = 3


SCHEMA = (
    "CREATE TABLE IF NOT EXISTS counts ("
    " poll TEXT NOT NULL, option TEXT NOT NULL, count INTEGER NOT NULL CHECK (count >= 0),"
    " PRIMARY KEY (poll, option)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
    # the totals every page shows: they change only after at least MIN_ANSWERS new answers or changes,
    # so watching the totals never shows what one person just chose
    "CREATE TABLE IF NOT EXISTS shown ("
    " poll TEXT NOT NULL, option TEXT NOT NULL, count INTEGER NOT NULL CHECK (count >= 0),"
    " PRIMARY KEY (poll, option)) WITHOUT ROWID",
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('generation', 0)",
)


group_dir = paths.group_dir  # the facilitator's group folder (settings, or the user data folder)


def pulse_path() -> Path:
    return group_dir() / PULSE_FILENAME


@dataclass(frozen=True)
class Poll:
    id: str
    question: str
    options: tuple[str, ...]   # stored values
    labels: tuple[str, ...]    # what a person sees


def polls(module_number: int) -> list[Poll]:
    """The three polls for one module; option lists come from the module's content."""
    module = curriculum.module(module_number)
    titles = []
    for block in module.exercises:
        if block["type"] in ("resources", "journal"):
            continue
        if block["title"] not in titles:
            titles.append(block["title"])
    scale = tuple(str(i) for i in range(1, 6))
    t, words = curriculum.text, curriculum.data("ui")["pulse"]
    return [
        Poll(f"m{module_number}.energy", t("pulse.energy"), scale, tuple(words["energy_labels"])),
        Poll(f"m{module_number}.comfort", t("pulse.comfort"), scale, tuple(words["comfort_labels"])),
        Poll(f"m{module_number}.next", t("pulse.next"), tuple(titles), tuple(titles)),
    ]


class PulseStore:
    """Anonymous counts in one small SQLite file. Every call opens, works and closes.

    The folder, the file's mode and the tables are set up once (again only if the file
    went away), not on each of the refreshes every page makes every few seconds.
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path else pulse_path()
        self._ready = False

    @contextlib.contextmanager
    def _db(self):
        first = not self._ready or not self.path.exists()
        if first:
            paths.ensure_private_dir(self.path.parent)
            paths.ensure_private_file(self.path)
        db = sqlite3.connect(self.path, timeout=15, isolation_level=None)
        try:
            db.execute("PRAGMA secure_delete = ON")
            if first:
                for statement in SCHEMA:
                    db.execute(statement)
                self._ready = True
            yield db
        finally:
            db.close()

    def generation(self) -> int:
        with self._db() as db:
            return db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]

    def answer(self, poll: str, option: str, previous: str | None = None,
               previous_generation: int | None = None) -> int:
        """Count one answer; if this page answered before (since the last reset), move that vote.

        Returns the generation the answer belongs to (remember it with the answer).
        """
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                gen = db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]
                if previous is not None and previous_generation == gen:
                    db.execute("UPDATE counts SET count = count - 1 WHERE poll = ? AND option = ? AND count > 0",
                               (poll, previous))
                db.execute("INSERT INTO counts (poll, option, count) VALUES (?, ?, 1) "
                           "ON CONFLICT (poll, option) DO UPDATE SET count = count + 1", (poll, option))
                db.execute("INSERT INTO meta (key, value) VALUES (?, 1) "
                           "ON CONFLICT (key) DO UPDATE SET value = value + 1", (f"changes:{poll}",))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return gen

    def counts(self, poll: str) -> dict[str, int]:
        with self._db() as db:
            rows = db.execute("SELECT option, count FROM counts WHERE poll = ? AND count > 0", (poll,))
            return dict(rows.fetchall())

    def _meta(self, db, key: str) -> int:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else 0

    def _shown(self, db, poll: str) -> dict[str, int]:
        return dict(db.execute("SELECT option, count FROM shown WHERE poll = ?", (poll,)).fetchall())

    def results(self, poll: Poll) -> dict[str, int] | None:
        """The totals to show, per option in the poll's order; ``None`` while fewer than three answered.

        They move on only once at least three answers (or changes) have come in since the
        totals last changed, for every page at once, so no one can see what one person chose.
        """
        with self._db() as db:
            changes, shown_at = self._meta(db, f"changes:{poll.id}"), self._meta(db, f"shown_at:{poll.id}")
            shown = self._shown(db, poll.id)
            if (not shown or changes - shown_at >= MIN_ANSWERS) and changes >= MIN_ANSWERS:
                db.execute("BEGIN IMMEDIATE")
                try:
                    changes, shown_at = self._meta(db, f"changes:{poll.id}"), self._meta(db, f"shown_at:{poll.id}")
                    counts = dict(db.execute("SELECT option, count FROM counts WHERE poll = ?",
                                             (poll.id,)).fetchall())
                    shown = self._shown(db, poll.id)
                    if (not shown or changes - shown_at >= MIN_ANSWERS) and sum(counts.values()) >= MIN_ANSWERS:
                        db.execute("DELETE FROM shown WHERE poll = ?", (poll.id,))
                        db.executemany("INSERT INTO shown (poll, option, count) VALUES (?, ?, ?)",
                                       [(poll.id, o, n) for o, n in counts.items()])
                        db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                   (f"shown_at:{poll.id}", changes))
                        shown = counts
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
        if sum(shown.values()) < MIN_ANSWERS:
            return None
        return {option: shown.get(option, 0) for option in poll.options}

    def reset(self) -> None:
        """Clear every count (between sessions). Pages that answered before count as new."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM counts")
            db.execute("DELETE FROM shown")
            db.execute("DELETE FROM meta WHERE key != 'generation'")
            db.execute("UPDATE meta SET value = value + 1 WHERE key = 'generation'")
            db.execute("COMMIT")
            db.execute("VACUUM")
