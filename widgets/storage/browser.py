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

import html
import json
import sqlite3
from pathlib import Path

import anywidget
import traitlets
from IPython.display import HTML, display

from .. import curriculum, settings
from ..errors import report as report_error
from ..settings import GROUP_SESSION_ENV as SESSION_ENV  # noqa: F401 - the names, for callers and tests
from ..settings import GROUP_STORAGE_ENV as STORAGE_ENV  # noqa: F401
from .journal import Journal

STORAGE_PREFIX = "closer-again-journal-v1"
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
    return settings.current().laptop_storage


def show_storage_note() -> None:
    """On the facilitator's laptop only: what its browser keeps, and how to clear it (exactly)."""
    if laptop_storage():
        display(HTML(f'<p class="ca-note ca-laptop-note">{html.escape(curriculum.text("group.laptop_note"))}</p>'))


def storage_key(family: str = STORAGE_PREFIX) -> str:
    return f"{family}-{settings.current().group_session or 'default'}"


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
        # ``on_restore`` hears once the browser has handed back what it kept; ``on_store_result``
        # hears False whenever the browser refused a write (full or blocked storage), and True when
        # a write works again. Meanwhile the answers are kept here, in memory.
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

    def page_widgets(self) -> list:
        """The store (invisible, it carries the answers) and a note saying where they are kept."""
        return [self.store, HTML(f'<p class="ca-note">{html.escape(curriculum.text("group.keep_note"))}</p>')]

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

    def restore(self, data: dict) -> bool:
        """Bring back what the browser kept. False if any of it could not be read (that part is left out).

        Every row that can be read is kept; a row that cannot (a wrong shape, a value the table
        refuses) is skipped, so one damaged row never costs the others.
        """
        db = self._connect()
        whole = isinstance(data, dict)
        self._restoring = True
        try:
            db.execute("BEGIN IMMEDIATE")
            for table in TABLES:
                rows = (data.get(table) or []) if isinstance(data, dict) else []
                db.execute(f"DELETE FROM {table}")  # noqa: S608
                if not isinstance(rows, list):
                    whole = False
                    continue
                for row in rows:
                    try:
                        if not isinstance(row, list) or not row:
                            raise TypeError("a kept row is not a list of values")
                        marks = ",".join("?" * len(row))
                        db.execute(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", row)  # noqa: S608
                    except (sqlite3.Error, TypeError, ValueError, OverflowError):
                        whole = False
            db.execute("COMMIT")
        except sqlite3.Error:
            db.execute("ROLLBACK")
            whole = False
        finally:
            self._restoring = False
        return whole

    def _from_browser(self, change) -> None:
        """The browser handed back its copy: restore it; a copy that cannot be read is logged (never its
        content) and the page is told, so it can say so kindly."""
        ok = True
        try:
            data = json.loads(change["new"] or "{}")
            if not isinstance(data, dict):
                raise TypeError("the kept copy is not a JSON object")
            if data and not self.restore(data):
                raise ValueError("some kept rows could not be read")
        except (ValueError, TypeError) as exc:  # json's errors are ValueErrors
            report_error(exc, "restore answers kept in the browser")
            ok = False
        for callback in list(self.on_restore):
            callback(ok)
