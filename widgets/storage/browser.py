"""Group mode: the journal lives in the participant's own browser, not on the laptop.

In a group session the kernels run on the facilitator's laptop. So that no
answer is ever written to its disk, logs or temp files, a participant's page
keeps its journal in an in-memory SQLite database, mirrored after every change
into the browser's own storage by a small widget, under a key that is new for
every session. A reload brings it back from the browser; "Save a copy of my
answers" downloads it for use at home. Phones and laptops of participants
(``--network``) use ``localStorage``; pages opened on the facilitator's own
laptop use ``sessionStorage``. That browser then holds the answers on the
laptop (browsers may write session storage and tab-restore data to their
profile on disk), and such pages say so and how to clear it
(:func:`show_storage_note`).

Every write reports back whether the browser kept it. A refused write (full or
blocked storage) is kept here in memory, tried again by the page every few
seconds and on the next change, and ``on_store_result`` callbacks hear False,
then True once a write works again (the page shows "Not stored yet" meanwhile).
"""
from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import anywidget
import traitlets

from .. import curriculum
from .journal import Journal

STORAGE_PREFIX = "closer-again-journal-v1"
SESSION_ENV = "CLOSER_AGAIN_GROUP_SESSION"   # a random id, new for every group session
STORAGE_ENV = "CLOSER_AGAIN_GROUP_STORAGE"   # "local": participants' own devices; "session": this computer
TABLES = ("partners", "answers", "history", "vaults", "meta")  # a locked partner: only the sealed vault

# Kept per session: a reload in the session brings answers back; a later session on the
# same device (a clinic tablet, the facilitator's laptop) never sees them, and on load
# every older session's copy is removed from the device. Without --network the pages
# run in the laptop's own browser, so its sessionStorage is used: gone with the tab.
_ESM = """
function area(model) {
  return model.get("storage_area") === "local" ? window.localStorage : window.sessionStorage;
}
function render({ model, el }) {
  el.setAttribute("aria-hidden", "true");
  el.style.display = "none";
  const key = model.get("storage_key");
  const family = model.get("family");
  let stored = null;
  try {
    for (const store of [window.localStorage, window.sessionStorage]) {
      for (const k of Object.keys(store)) {
        if (k.startsWith(family) && k !== key) store.removeItem(k);
      }
    }
    stored = area(model).getItem(key);
  } catch (e) { stored = null; }
  model.set("from_browser", stored || "{}");
  model.set("loaded", true);
  model.save_changes();
  // Every write reports back whether the browser kept it (full or blocked storage throws).
  // A refused write is tried again every few seconds until one works.
  let attempt = 0;
  let again = null;
  function write() {
    clearTimeout(again);
    again = null;
    let ok = true;
    try { area(model).setItem(key, model.get("to_browser")); } catch (e) { ok = false; }
    attempt += 1;
    model.set("stored_ok", ok);
    model.set("store_result", (ok ? "stored:" : "refused:") + attempt);
    model.save_changes();
    if (!ok) again = setTimeout(write, model.get("retry_seconds") * 1000);
  }
  model.on("change:to_browser", write);
  model.on("change:retry", write);
}
export default { render };
"""


def laptop_storage() -> bool:
    """True when the pages run in the facilitator's own browser (a session without --network)."""
    return os.environ.get(STORAGE_ENV) != "local"


def show_storage_note() -> None:
    """On the facilitator's laptop only: what its browser keeps, and how to clear it (exactly)."""
    if laptop_storage():
        import html

        from IPython.display import HTML, display


        display(HTML(f'<p class="ca-note ca-laptop-note">{html.escape(curriculum.text("group.laptop_note"))}</p>'))


def storage_key(family: str = STORAGE_PREFIX) -> str:
    session = "".join(ch for ch in os.environ.get(SESSION_ENV, "") if ch.isalnum())[:64]
    return f"{family}-{session or 'default'}"


class BrowserStore(anywidget.AnyWidget):
    """Carries text between the kernel's memory and the browser's storage (this session's key only)."""

    _esm = _ESM
    family = traitlets.Unicode(STORAGE_PREFIX).tag(sync=True)
    storage_key = traitlets.Unicode("").tag(sync=True)
    storage_area = traitlets.Unicode("session").tag(sync=True)
    from_browser = traitlets.Unicode("").tag(sync=True)
    to_browser = traitlets.Unicode("").tag(sync=True)
    loaded = traitlets.Bool(False).tag(sync=True)
    stored_ok = traitlets.Bool(True).tag(sync=True)
    #: "stored:N" or "refused:N" after the browser's N-th write (always a new value, so every write reports)
    store_result = traitlets.Unicode("").tag(sync=True)
    #: raised to ask the browser to write again
    retry = traitlets.Int(0).tag(sync=True)
    #: a refused write is tried again this often, by the browser itself
    retry_seconds = traitlets.Int(5).tag(sync=True)

    def __init__(self, **kwargs):
        kwargs.setdefault("storage_key", storage_key(kwargs.get("family", STORAGE_PREFIX)))
        kwargs.setdefault("storage_area", "session" if laptop_storage() else "local")
        super().__init__(**kwargs)

    def __repr__(self) -> str:
        return "<Closer Again: answers kept in this browser>"


class BrowserJournal(Journal):
    """A journal held in memory and mirrored to the participant's browser."""

    def __init__(self, store: BrowserStore | None = None):
        super().__init__(Path("browser-storage"))
        self.store = store or BrowserStore()
        self._restoring = False
        self.on_restore: list = []  # called once the browser has handed back what it kept
        #: called with False whenever the browser refused a write (full or blocked storage), and with
        #: True when a write works again. Meanwhile the answers are kept here, in memory.
        self.on_store_result: list[Callable[[bool], None]] = []
        self.stored = True  # did the browser keep the latest answers?
        self.store.observe(self._from_browser, "from_browser")
        self.store.observe(self._store_result, "store_result")

    # no file anywhere: an in-memory database
    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = self._open()
        return self._db

    def _target(self) -> str:
        return ":memory:"

    def erase_everything(self) -> None:
        db = self._connect()
        for table in TABLES:
            db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        self.changed()

    # mirroring ---------------------------------------------------------------
    def snapshot(self) -> dict:
        db = self._connect()
        return {table: [list(row) for row in db.execute(f"SELECT * FROM {table}")]  # noqa: S608
                for table in TABLES}

    def changed(self) -> None:
        if not self._restoring:
            self.store.to_browser = json.dumps(self.snapshot(), ensure_ascii=False)

    def retry_store(self) -> None:
        """Ask the browser to keep the answers again (the latest snapshot, from memory)."""
        self.changed()  # a newer snapshot, if any, is sent (and written) first
        self.store.retry += 1

    def _store_result(self, change) -> None:
        ok = str(change["new"]).startswith("stored:")
        if ok and self.stored:
            return
        self.stored = ok
        for callback in list(self.on_store_result):
            callback(ok)

    def restore(self, data: dict) -> None:
        db = self._connect()
        self._restoring = True
        try:
            db.execute("BEGIN IMMEDIATE")
            for table in TABLES:
                rows = data.get(table) or []
                db.execute(f"DELETE FROM {table}")  # noqa: S608
                for row in rows:
                    marks = ",".join("?" * len(row))
                    db.execute(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", row)  # noqa: S608
            db.execute("COMMIT")
        except (sqlite3.Error, TypeError, ValueError):
            db.execute("ROLLBACK")
        finally:
            self._restoring = False

    def _from_browser(self, change) -> None:
        try:
            data = json.loads(change["new"] or "{}")
        except ValueError:
            data = {}
        if isinstance(data, dict) and data:
            self.restore(data)
        for callback in list(self.on_restore):
            callback()
