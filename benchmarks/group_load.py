"""Group-session load benchmark: plain Voila against ``closer-again serve --module 1 --group 20``.

    .venv/bin/python benchmarks/group_load.py [--n 20] [--browsers 3] [--after 120]

For each server, in one run and one after the other (so they do not share the CPU):

1. N simultaneous full page requests. Voila streams the page while the cells run,
   so a page counts as complete only when the whole body has been read (up to
   ``</html>``). p50 and p95 seconds.
2. A few real Chromium pages opened at once: seconds from navigation until a
   widget answers a click ("Partner 1" -> "Partner 1 is answering now").
3. Resident memory (RSS, from /proc) of each participant kernel while those pages are open.
4. The pages are closed (one normally, the others without warning), together with
   the N pages above that never connected: participant kernels left ``--after``
   seconds later, and whether the warm pool is full again.

Only 127.0.0.1 is ever contacted: the browser aborts any other request.
Writes benchmarks/RESULTS.md.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from widgets.group import processes as processes_module  # noqa: E402
from widgets.group import session as g  # noqa: E402

CHROMIUM = os.environ.get("CLOSER_AGAIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
CODE = "246810"
PAGE_TIMEOUT = 240  # seconds: one page may never take longer than this


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


# -- 1. N simultaneous full pages ------------------------------------------------------------

def full_pages(url: str, n: int) -> dict:
    barrier = threading.Barrier(n)
    times: list[float | None] = [None] * n
    sizes = [0] * n

    def one(i: int) -> None:
        barrier.wait()
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=PAGE_TIMEOUT) as r:  # noqa: S310 - 127.0.0.1
                body = r.read()
            # every cell has run: the last cell's output ("Key points") is there, and the page is closed
            if body.rstrip().endswith(b"</html>") and b"Key points" in body:
                times[i] = time.perf_counter() - start
                sizes[i] = len(body)
        except OSError:
            pass

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(PAGE_TIMEOUT + 10)
    done = [t for t in times if t is not None]
    return {
        "complete": len(done), "n": n,
        "p50": statistics.median(done) if done else float("nan"),
        "p95": percentile(done, 95) if done else float("nan"),
        "max": max(done) if done else float("nan"),
        "bytes": statistics.median([s for s in sizes if s]) if done else 0,
    }


# -- 2. real pages ------------------------------------------------------------------------------

async def _browser_pages(url: str, count: int, hold) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        outside: list[str] = []

        async def guard(route):
            if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
                await route.continue_()
            else:
                outside.append(route.request.url)
                await route.abort()

        contexts = []
        for _ in range(count):
            ctx = await browser.new_context(viewport={"width": 390, "height": 844})
            await ctx.route("**/*", guard)
            contexts.append(ctx)
        pages = [await ctx.new_page() for ctx in contexts]

        async def interactive(page) -> float:
            start = time.perf_counter()
            await page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT * 1000)
            button = page.get_by_role("button", name="Partner 1", exact=True).first
            for _ in range(20):  # bounded: a click made before the widget is live is simply tried again
                await button.click(timeout=PAGE_TIMEOUT * 1000)
                try:
                    await page.get_by_text("Partner 1 is answering now").first.wait_for(timeout=3000)
                    return time.perf_counter() - start
                except Exception:  # noqa: BLE001 - playwright timeout: click again
                    continue
            return float("nan")

        times = await asyncio.gather(*(interactive(pg) for pg in pages))
        memory = hold()  # measured while the pages are open
        # close: the first normally (its "beforeunload" ends its kernel), the others without warning
        await pages[0].close(run_before_unload=True)
        await asyncio.sleep(1)
        for pg in pages[1:]:
            await pg.close(run_before_unload=False)
        closed_at = time.time()
        for ctx in contexts:
            await ctx.close()
        await browser.close()
    return {"times": list(times), "memory": memory, "closed_at": closed_at, "outside": outside}


def browser_pages(url: str, count: int, hold) -> dict:
    return asyncio.run(_browser_pages(url, count, hold))


# -- servers ---------------------------------------------------------------------------------------

class PlainVoila:
    """``voila notebooks/01_welcome.ipynb`` with its defaults (no pool, no culling)."""

    name = "plain voila (defaults)"
    pool = 0

    def __init__(self, env: dict, log):
        self.port = g.free_port_pair()
        self.command = [sys.executable, "-m", "voila", "notebooks/01_welcome.ipynb", "--no-browser",
                        f"--port={self.port}"]
        self.proc = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        if not g.wait_until_up(f"http://127.0.0.1:{self.port}/", self.proc, timeout=90):
            raise RuntimeError("plain voila did not start")
        self.url = f"http://127.0.0.1:{self.port}/"
        self.display_command = "voila notebooks/01_welcome.ipynb"

    def kernels(self) -> list[int]:
        return processes_module.kernel_pids(self.proc.pid)

    def pool_ready(self) -> bool:
        return True

    def participants(self) -> int:
        return len(self.kernels())

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class GroupServe:
    def __init__(self, group: int, log):
        self.name = f"closer-again serve --module 1 --group {group}"
        self.session = g.GroupSession(1, group, port=g.free_port_pair(), code=CODE, facilitator=False, log=log)
        self.pool = group
        started = time.perf_counter()
        self.session.start()
        if not self.session.wait_for_pool(600):
            raise RuntimeError("the warm pool did not fill")
        self.warmup = time.perf_counter() - started
        self.url = f"{self.session.local_url}?code={CODE}"
        self.display_command = f"closer-again serve --module 1 --group {group}"

    def kernels(self) -> list[int]:
        return self.session.kernels()

    def pool_ready(self) -> bool:
        return self.session.pool_ready()

    def participants(self) -> int:
        return self.session.pool().get("participants", -1)

    def stop(self) -> None:
        self.session.stop()


def server_rss(server) -> float:
    pid = server.proc.pid if hasattr(server, "proc") else server.session.participants.pid
    return processes_module.rss_mb(pid) + sum(processes_module.rss_mb(k) for k in server.kernels())


def measure(server, n: int, browsers: int, after: float) -> dict:
    out: dict = {"name": server.name, "command": server.display_command}
    out["warmup"] = getattr(server, "warmup", None)
    out["rss_start"] = server_rss(server)
    out["pages"] = full_pages(server.url, n)
    # let the warm pool fill again before the browsers come (bounded wait), and time it
    t = time.perf_counter()
    deadline = time.time() + 600
    while time.time() < deadline and not server.pool_ready():
        time.sleep(1)
    out["refill"] = time.perf_counter() - t if server.pool else None

    def hold():
        rss = [processes_module.rss_mb(k) for k in server.kernels()]
        return {"kernels": len(rss), "median": statistics.median(rss) if rss else 0, "max": max(rss) if rss else 0}

    out["browser"] = browser_pages(server.url, browsers, hold)
    closed_at = out["browser"]["closed_at"]
    samples = []
    while time.time() < closed_at + after:
        samples.append((round(time.time() - closed_at), server.participants()))
        time.sleep(min(10, max(0.1, closed_at + after - time.time())))
    left_total = len(server.kernels())
    out["after_samples"] = samples
    out["left_total"] = left_total
    out["left_participants"] = server.participants()
    out["pool_full"] = server.pool_ready() if server.pool else None
    out["rss_end"] = server_rss(server)
    return out


# -- the report --------------------------------------------------------------------------------------

def machine() -> dict:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    versions = {name: metadata.version(name) for name in
                ("voila", "jupyter_server", "ipykernel", "ipywidgets", "tornado", "qrcode", "playwright")}
    try:
        chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        chromium = "?"
    return {"nproc": os.cpu_count(), "cpu": model, "ram": f"{int(mem.split()[1]) // 1024} MB",
            "python": platform.python_version(), "os": platform.platform(), "versions": versions,
            "chromium": chromium}


def fmt(x, digits=2) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def report(a: dict, b: dict, m: dict, args) -> str:
    ratio = b["pages"]["p95"] / a["pages"]["p95"] if a["pages"]["p95"] else float("nan")
    checks = [
        ("p95 time to a complete page, 20 at once, ≤ 1 s", b["pages"]["p95"] <= 1.0, f"{b['pages']['p95']:.2f} s"),
        ("… and ≤ 1/10 of plain Voila's p95", ratio <= 0.1, f"{ratio:.3f} × plain"),
        ("≤ 120 MB RSS per participant kernel", b["browser"]["memory"]["max"] <= 120,
         f"max {b['browser']['memory']['max']:.0f} MB"),
        (f"no participant kernel left {args.after:.0f} s after the pages close", b["left_participants"] == 0,
         f"{b['left_participants']} left"),
        ("warm pool refilled", bool(b["pool_full"]), f"{b['left_total']} kernel processes in all"),
    ]
    rows = []
    for r in (a, b):
        bt = [t for t in r["browser"]["times"] if t == t]
        rows.append(
            f"| {r['name']} | {r['pages']['complete']}/{r['pages']['n']} | {fmt(r['pages']['p50'], 3)} | "
            f"{fmt(r['pages']['p95'], 3)} | {fmt(r['pages']['max'], 3)} | "
            f"{', '.join(f'{t:.2f}' for t in r['browser']['times'])} | "
            f"{r['browser']['memory']['median']:.0f} / {r['browser']['memory']['max']:.0f} "
            f"({r['browser']['memory']['kernels']} kernels) | "
            f"{r['left_participants']} (of {r['left_total']} kernels) | "
            f"{fmt(r['refill'], 1) if r['refill'] is not None else 'no pool'} | "
            f"{r['rss_start']:.0f} → {r['rss_end']:.0f} |"
        )
        del bt
    v = m["versions"]
    lines = [
        "# Group session load benchmark",
        "",
        f"Run: `.venv/bin/python benchmarks/group_load.py --n {args.n} --browsers {args.browsers} "
        f"--after {args.after:.0f}` on {time.strftime('%Y-%m-%d')}.",
        "",
        "Machine: " + f"{m['nproc']} CPUs ({m['cpu']}), {m['ram']} RAM, {m['os']}; Python {m['python']}; "
        + ", ".join(f"{k} {val}" for k, val in v.items()) + f"; {m['chromium']}.",
        "",
        "Commands measured (same notebook, Module 1, in group mode so both keep answers in the browser):",
        "",
        f"- (a) `{a['command']}`: Voila's defaults (no warm kernels, no culling, default template).",
        f"- (b) `{b['command']}`: participant server only (`widgets.group.session.GroupSession`), warm pool of "
        f"{args.group}, culling after 90 s idle (checked every 15 s)"
        + (f"; the pool took {b['warmup']:.0f} s to fill at start." if b.get("warmup") else "."),
        "",
        "| server | complete pages | p50 s | p95 s | max s | Chromium: s until a click works (3 at once) | "
        "RSS per kernel, median / max MB | participant kernels left after close | pool refill s | "
        "server + kernels RSS MB, start → end |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Targets (for (b)):",
        "",
        *[f"- {'PASS' if ok else 'FAIL'}: {what} ({val})" for what, ok, val in checks],
        "",
        "Participant kernels after the pages closed (seconds after close: kernels):",
        "",
        f"- (a): {', '.join(f'{s}s: {k}' for s, k in a['after_samples'])}",
        f"- (b): {', '.join(f'{s}s: {k}' for s, k in b['after_samples'])}",
        "",
        "Notes:",
        "",
        "- 'Complete' means the whole streamed body was read, up to `</html>`, with every cell run.",
        "- The pages closed are: the N HTTP pages of step 1 (they never open a kernel connection, like a",
        "  phone that loses the page), one Chromium page closed normally and the others closed without",
        "  warning (no `beforeunload`). (b)'s pool kernels are not participant kernels: participant kernels",
        "  left = all kernels − pool size.",
        "- Plain Voila never culls, so its kernels of abandoned pages stay until the server stops.",
        "- 'Seconds until a click works' is measured with Chromium on the same 2-core machine as the servers,",
        "  so it includes the browser's own work (loading the widget scripts, drawing the page) for 3 pages at",
        "  once; on participants' own phones that part of the work is done by each phone.",
        "- Only 127.0.0.1 was contacted; requests the browser tried elsewhere (plain Voila's template links",
        f"  a CDN font) were aborted: (a) {len(a['browser']['outside'])}, (b) {len(b['browser']['outside'])}.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20, help="simultaneous full page requests")
    ap.add_argument("--group", type=int, default=20, help="--group for the serve command (warm pool size)")
    ap.add_argument("--browsers", type=int, default=3, help="real Chromium pages opened at once")
    ap.add_argument("--after", type=float, default=120, help="seconds after closing to count kernels")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = ap.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="closer-again-bench-"))
    os.environ["CLOSER_AGAIN_GROUP_DIR"] = str(home / "group")
    os.environ["CLOSER_AGAIN_LOG_DIR"] = str(home / "logs")
    os.environ["CLOSER_AGAIN_JOURNAL"] = str(home / "journal.sqlite3")
    env = g.server_env(**{g.GROUP_MODE_ENV: "1"})
    log = (home / "servers.log").open("w")
    results = {}
    for key, make in (("a", lambda: PlainVoila(env, log)), ("b", lambda: GroupServe(args.group, log))):
        server = make()
        print(f"[{key}] {server.name}: measuring…", flush=True)
        try:
            results[key] = measure(server, args.n, args.browsers, args.after)
        finally:
            server.stop()
        r = results[key]
        print(f"[{key}] pages p50 {r['pages']['p50']:.2f} s, p95 {r['pages']['p95']:.2f} s "
              f"({r['pages']['complete']}/{r['pages']['n']}); browsers {r['browser']['times']}; "
              f"RSS/kernel max {r['browser']['memory']['max']:.0f} MB; "
              f"participant kernels left {r['left_participants']}", flush=True)
    text = report(results["a"], results["b"], machine(), args)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    print(f"(servers' log: {home / 'servers.log'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
