"""Page weight: every module page against a one-button notebook, at phone speed, in one run.

    .venv/bin/python benchmarks/page_weight.py [--runs 3] [--modules 1,4,10] [--no-write]

What it does, in one session:

0. Compiles the package's bytecode (``compileall``), as a user's copy has it after its first start.
1. Starts the real dashboard the way ``closer-again serve`` does (``python -m widgets.cli serve
   --port P``), with its journal and log folder in a temporary folder.
2. Writes a one-button notebook (one ipywidgets Button "Partner 1"; a press changes its words to
   "Partner 1 is answering now") into a temporary folder inside the served ``notebooks/`` tree,
   so the same Voila, with the same template, serves it. The folder is removed at the end.
3. Opens each page in Chromium (Playwright, /usr/bin/chromium) at 390 x 844 px with the CPU
   slowed four times (CDP ``Emulation.setCPUThrottlingRate``, rate 4), each in a fresh browser
   context. Round after round, every page once per round, so a change in the machine's load
   falls on all pages alike.
4. For each visit it measures
   - seconds from navigation until the page answers a press: "Partner 1" is pressed (and pressed
     again every 3 s while nothing happens) until "Partner 1 is answering now" shows;
   - seconds from navigation until every card has opened for Partner 1: the name shows first, and
     the cards that wait for a name say "Opening…" until their controls are built and filled;
   - widget models and bytes of widget state, as the page itself receives them: the page's
     widget manager asks the kernel for every model's state (``request_states`` on the
     ``jupyter.widget.control`` comm) and the reply (``update_states``) is read from the
     page's own websocket frames (Playwright ``page.on("websocket")``, v1 kernel protocol). Models
     are the number of states in that reply; bytes are the size of its JSON content plus its
     binary buffers. Models opened afterwards (``comm_open`` from the kernel before the press is
     answered) are counted too and added.
5. Reports medians per page, the ratio of the median time to the one-button page's median in the
   same run, the targets (<= 1.3 x the floor, <= 600 models, <= 500 KB), the machine and its load,
   and writes them into its own section of benchmarks/RESULTS.md (between the
   ``page_weight`` markers; the rest of the file is left as it is).

Only 127.0.0.1 is contacted: any other request is aborted and counted.
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from importlib import metadata
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from widgets import curriculum  # noqa: E402

CHROMIUM = os.environ.get("CLOSER_AGAIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [  # as tests/conftest.py
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
CPU_SLOWDOWN = 4
VIEWPORT = {"width": 390, "height": 844}
PAGE_TIMEOUT = 240  # s
TARGET_RATIO, TARGET_MODELS, TARGET_KB = 1.3, 600, 500
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START, END = "<!-- page_weight:start -->", "<!-- page_weight:end -->"
FLOOR = "one-button notebook"
#: every card has opened for the person chosen: none still says "Opening…" (the one-button page has no cards)
CARDS_OPEN = "() => ![...document.querySelectorAll('.ca-kind')].some(el => el.textContent.includes('Opening…'))"

ONE_BUTTON = '''import ipywidgets as w

button = w.Button(description="Partner 1")
button.on_click(lambda _: setattr(button, "description", "Partner 1 is answering now"))
button'''


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dashboard:
    """The real dashboard, started as tests/conftest.py starts it."""

    def __init__(self, home: Path):
        self.port = free_port()
        self.env = dict(os.environ, CLOSER_AGAIN_JOURNAL=str(home / "data" / "journal.sqlite3"),
                        CLOSER_AGAIN_LOG_DIR=str(home / "logs"))
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str) -> str:
        return f"{self.base}/voila/render/{notebook}"

    def __enter__(self):
        self.proc = subprocess.Popen([sys.executable, "-m", "widgets.cli", "serve", f"--port={self.port}"],
                                     cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.base + "/", timeout=2)  # noqa: S310 - localhost
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("the dashboard did not start within 90 s")

    def __exit__(self, *_exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# -- what the page receives ------------------------------------------------------------------

def _decode(payload) -> tuple[dict, dict, int] | None:
    """(header, content, bytes) of a kernel message frame (v1 binary protocol, or plain JSON)."""
    if isinstance(payload, (bytes, bytearray)):
        from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

        try:
            _channel, parts = deserialize_msg_from_ws_v1(bytes(payload))
        except Exception:  # noqa: BLE001 - not a kernel message
            return None
        header, content = parts[0], parts[3]
        if b'"comm_msg"' not in header and b'"comm_open"' not in header:
            return None
        return json.loads(header), json.loads(content), len(content) + sum(len(b) for b in parts[4:])
    try:
        msg = json.loads(payload)
    except ValueError:
        return None
    if msg.get("header", {}).get("msg_type") not in ("comm_msg", "comm_open"):
        return None
    return msg["header"], msg["content"], len(json.dumps(msg["content"])) + sum(len(b) for b in msg.get("buffers", []))


class Frames:
    """Widget models a page receives: the ``update_states`` reply, then any ``comm_open``."""

    def __init__(self):
        self.states: int | None = None
        self.state_bytes = 0
        self.opened = 0
        self.opened_bytes = 0
        self.stopped = False

    def frame(self, payload) -> None:
        if self.stopped:
            return
        decoded = _decode(payload)
        if decoded is None:
            return
        header, content, size = decoded
        data = content.get("data", {})
        if header["msg_type"] == "comm_msg" and data.get("method") == "update_states":
            self.states = len(data.get("states", {}))
            self.state_bytes += size
        elif header["msg_type"] == "comm_open" and content.get("target_name") == "jupyter.widget":
            self.opened += 1
            self.opened_bytes += size

    @property
    def models(self) -> int | None:
        return None if self.states is None else self.states + self.opened

    @property
    def kb(self) -> float | None:
        return None if self.states is None else (self.state_bytes + self.opened_bytes) / 1024


def visit(browser, url: str, outside: list[str]) -> dict:
    """One fresh visit at phone speed: seconds until a press is answered, and the widget state received."""
    ctx = browser.new_context(viewport=VIEWPORT)

    def guard(route):
        if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    page = ctx.new_page()
    page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    frames = Frames()
    page.on("websocket", lambda ws: ws.on("framereceived", frames.frame))
    out = {"seconds": None, "cards": None, "models": None, "kb": None, "error": ""}
    start = time.perf_counter()
    try:
        page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT * 1000)
        button = page.get_by_role("button", name="Partner 1", exact=True).first
        answered = page.get_by_text("Partner 1 is answering now").first
        while time.perf_counter() - start < PAGE_TIMEOUT:
            button.click(timeout=PAGE_TIMEOUT * 1000)  # waits until the button is there and enabled
            try:
                answered.wait_for(timeout=3000)
                out["seconds"] = time.perf_counter() - start
                break
            except Exception:  # noqa: BLE001 - a press before the widget was live: press again
                continue
        frames.stopped = True
        out["models"], out["kb"] = frames.models, frames.kb
        if out["seconds"] is not None:
            page.wait_for_function(CARDS_OPEN, timeout=PAGE_TIMEOUT * 1000)
            out["cards"] = time.perf_counter() - start
    except Exception as err:  # noqa: BLE001 - reported, not fatal
        out["error"] = f"{type(err).__name__} after {time.perf_counter() - start:.0f} s"
    finally:
        page.close(run_before_unload=True)  # the page's own unload ends its kernel
        ctx.close()
    return out


# -- the run -----------------------------------------------------------------------------------

def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    try:
        chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        chromium = "?"
    versions = {n: metadata.version(n) for n in ("voila", "ipywidgets", "ipykernel", "playwright")}
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(), "chromium": chromium,
            "versions": versions, "os": platform.platform()}


def load() -> float:
    return os.getloadavg()[0]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def run(runs: int, modules: list[int], log, on_round=None) -> dict:
    from playwright.sync_api import sync_playwright

    pages = {FLOOR: None}
    for m in curriculum.modules():
        if m.number in modules:
            pages[f"Module {m.number}"] = m.notebook_name
    floor_dir = Path(tempfile.mkdtemp(prefix="_page_weight_", dir=ROOT / "notebooks"))
    try:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(ONE_BUTTON)]
        nbformat.write(nb, floor_dir / "one_button.ipynb")
        with tempfile.TemporaryDirectory() as home, Dashboard(Path(home)) as dash:
            urls = {name: dash.url(nb_name) if nb_name else dash.url(f"{floor_dir.name}/one_button.ipynb")
                    for name, nb_name in pages.items()}
            results = {name: [] for name in pages}
            outside: list[str] = []
            loads = [load()]
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                visit(browser, urls[FLOOR], outside)  # warm-up (first kernel, caches): not counted
                for r in range(runs):
                    for name, url in urls.items():
                        one = visit(browser, url, outside)
                        results[name].append(one)
                        loads.append(load())
                        log(f"run {r + 1}/{runs} {name}: {one}  (load {loads[-1]:.1f})")
                    if on_round:  # figures so far are kept even if a later round is cut short
                        on_round({"results": results, "outside": outside, "loads": loads, "rounds": r + 1})
                browser.close()
    finally:
        shutil.rmtree(floor_dir, ignore_errors=True)
    return {"results": results, "outside": outside, "loads": loads, "rounds": runs}


def median_time(visits) -> float | None:
    """Median seconds, a visit that never answered counting as slower than any other (None if that is the median)."""
    times = [float("inf") if v["seconds"] is None else v["seconds"] for v in visits]
    value = statistics.median(times) if times else None
    return None if value is None or value == float("inf") else value


def summarize(results: dict) -> list[dict]:
    floor = median_time(results[FLOOR])
    rows = []
    for name, visits in results.items():
        seconds = median_time(visits)
        rows.append({
            "name": name, "runs": [v["seconds"] for v in visits], "seconds": seconds,
            "cards": median(v.get("cards") for v in visits),
            "ratio": seconds / floor if seconds and floor else None,
            "models": median(v["models"] for v in visits), "kb": median(v["kb"] for v in visits),
            "errors": [v["error"] for v in visits if v["error"]],
        })
    return rows


def fmt(x, digits=1) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def report(rows: list[dict], info: dict, m: dict, args, started: str) -> str:
    loads = info["loads"]
    lines = [
        START,
        "# Page weight: module pages against a one-button notebook",
        "",
        f"Run: `.venv/bin/python benchmarks/page_weight.py --runs {args.runs}"
        + (f" --modules {args.modules}" if args.modules else "") + f"` on {started} UTC, one run, "
        "one dashboard (`python -m widgets.cli serve`) serving both the module pages and the one-button notebook.",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['os']}; Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + f"; {m['chromium']}. "
        f"Load average (1 min) during the run: {min(loads):.1f} to {max(loads):.1f}, median "
        f"{statistics.median(loads):.1f}"
        + (" (the 2-core machine was shared with other work: absolute seconds are noisy, the ratios come "
           "from the same run, round by round)." if max(loads) > 1.5 else "."),
        "",
        f"Each page: {info['rounds']} fresh visits in Chromium at 390 px with the CPU slowed {CPU_SLOWDOWN}x "
        "(`Emulation.setCPUThrottlingRate`), one visit per page per round, the package's bytecode compiled "
        "first as on a user's machine. Seconds: from navigation until "
        "the page answers a press of \"Partner 1\" (\"Partner 1 is answering now\" shows). Models and KB: "
        "the `update_states` reply the page's own widget manager receives (read from its websocket "
        "frames), plus any widget opened before the press was answered. Medians (a visit that never "
        f"answered within {PAGE_TIMEOUT} s counts as slower than any other). Cards open: from navigation "
        "until no card says \"Opening…\" any more (the name shows first; the cards that wait for a name "
        "are built and filled a moment later). Not a target: reported so the first figure is not read as more "
        "than it is.",
        "",
        "| page | s until a press works (median) | each run, s | ratio to floor | s until the cards are open (median) "
        "| widget models | widget state KB | targets |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if row["name"] == FLOOR:
            verdict = "floor"
        else:
            misses = []
            if row["ratio"] is None or row["ratio"] > TARGET_RATIO:
                misses.append(f"time > {TARGET_RATIO}x")
            if row["models"] is None or row["models"] > TARGET_MODELS:
                misses.append(f"> {TARGET_MODELS} models")
            if row["kb"] is None or row["kb"] > TARGET_KB:
                misses.append(f"> {TARGET_KB} KB")
            verdict = "MET" if not misses else "NOT MET: " + ", ".join(misses)
            if row["errors"]:
                verdict += f" ({len(row['errors'])} of {len(row['runs'])} visits never answered)"
        runs = ", ".join(fmt(s) for s in row["runs"])
        lines.append(f"| {row['name']} | {fmt(row['seconds'])} | {runs} | {fmt(row['ratio'], 2)} | "
                     f"{fmt(row['cards'])} | {fmt(row['models'], 0)} | {fmt(row['kb'], 0)} | {verdict} |")
    errors = [f"{r['name']}: {e}" for r in rows for e in r["errors"]]
    lines += ["", f"Targets for every module: at most {TARGET_RATIO}x the one-button floor, at most "
              f"{TARGET_MODELS} widget models, at most {TARGET_KB} KB of widget state.",
              f"Requests to anywhere but 127.0.0.1 (aborted): {len(info['outside'])}."]
    if errors:
        lines.append("Visits that failed: " + "; ".join(errors[:10]) + ".")
    lines += ["", END]
    return "\n".join(lines) + "\n"


def write_section(section: str) -> None:
    """Replace this benchmark's own section of RESULTS.md (or append it); the rest stays as it is."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + section.rstrip("\n") + after
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="visits per page (medians are reported)")
    ap.add_argument("--modules", default="", help="only these modules, e.g. 1,4,10 (default: all)")
    ap.add_argument("--no-write", action="store_true", help="print the section, do not write RESULTS.md")
    args = ap.parse_args(argv)
    modules = [int(x) for x in args.modules.split(",") if x] or [m.number for m in curriculum.modules()]
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    facts = machine()
    # the package's bytecode, as a user's copy has it after its first start (pip compiles it at
    # install; where PYTHONDONTWRITEBYTECODE is set, every kernel would otherwise compile it again,
    # a cost the one-button page, whose ipywidgets is compiled, would not pay)
    compileall.compile_dir(str(ROOT / "widgets"), quiet=1)

    def write(info) -> str:
        section = report(summarize(info["results"]), info, facts, args, started)
        if not args.no_write:
            write_section(section)
        return section

    info = run(args.runs, modules, lambda s: print(s, flush=True), on_round=write)
    section = write(info)
    print(section)
    if not args.no_write:
        print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
