"""Group-session load benchmark: plain Voila against ``closer-again serve --module 1 --group 20``.

    .venv/bin/python benchmarks/group_load.py [--n 20] [--browsers 3] [--after 120]

For each server, in one run and one after the other (so they do not share the CPU):

1. N simulated participants at once, each doing what the browser does: load the
   page (to ``</html>``), open its kernel's websocket, open the
   ``jupyter.widget.control`` comm and send ``request_states``. Seconds until the
   page is complete and until the ``update_states`` reply (every widget's state)
   has arrived: p50 and p95.
2. A few real Chromium pages opened at once, with the CPU slowed four times
   (``Emulation.setCPUThrottlingRate``): seconds from navigation until a widget
   answers a press ("Partner 1" -> "Partner 1 is answering now").
3. Resident memory (RSS, from /proc) of each participant kernel while those pages are open.
4. The pages are closed (one normally, the others without warning), together with
   the N pages above that never connected: participant kernels left ``--after``
   seconds later, and whether the warm pool is full again.

Only 127.0.0.1 is ever contacted: the browser aborts any other request.
Writes its own section of benchmarks/RESULTS.md (between ``group_load`` markers; the rest is left as it is).
"""
from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
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
CPU_SLOWDOWN = 4    # Chromium pages run with the CPU throttled this many times (a phone)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


# -- 1. N simulated participants: the page, then its widget state over the kernel's websocket ----------

V1 = "v1.kernel.websocket.jupyter.org"  # the websocket protocol the page's JupyterLab services ask for


def _message(msg_type: str, content: dict, session: str, metadata: dict | None = None) -> bytes:
    """A shell message in the v1 kernel websocket protocol, as the browser sends it."""
    import uuid

    from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

    header = {"msg_id": uuid.uuid4().hex, "username": "bench", "session": session, "msg_type": msg_type,
              "version": "5.3", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    msg = {"header": header, "parent_header": {}, "metadata": metadata or {}, "content": content}
    return serialize_msg_to_ws_v1(msg, "shell", pack=lambda part: json.dumps(part).encode())


async def _one_participant(base: str, url: str, start_at: float) -> dict:
    """What a browser does for one page: load it, open its kernel's websocket, ask for every widget's state.

    Seconds from the request until (a) the whole page has arrived, (b) the whole widget state has arrived
    (the ``update_states`` reply to ``request_states`` on the ``jupyter.widget.control`` comm, as
    ipywidgets 8's page manager asks for it, over the v1 websocket protocol the page uses)."""
    import re
    import uuid

    from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect

    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))
    start = time.perf_counter()
    out = {"page": None, "state": None, "state_bytes": 0, "widgets": 0}
    try:
        response = await AsyncHTTPClient().fetch(HTTPRequest(url, request_timeout=PAGE_TIMEOUT,
                                                             follow_redirects=True))
        body = response.body
        if not (body.rstrip().endswith(b"</html>") and b"Key points" in body):
            return out
        out["page"] = time.perf_counter() - start
        kernel = re.search(rb'"kernelId":\s*"([0-9a-f-]+)"', body).group(1).decode()
        cookies = "; ".join(c.split(";", 1)[0] for c in response.headers.get_list("Set-Cookie"))
        session = uuid.uuid4().hex
        ws_url = base.replace("http://", "ws://") + f"api/kernels/{kernel}/channels?session_id={session}"
        ws = await websocket_connect(HTTPRequest(ws_url, headers={"Cookie": cookies}, request_timeout=PAGE_TIMEOUT),
                                     max_message_size=512 * 1024 * 1024, subprotocols=[V1])
        comm = uuid.uuid4().hex
        await ws.write_message(_message("comm_open", {"comm_id": comm, "target_name": "jupyter.widget.control",
                                                      "data": {}}, session, {"version": "1.0.0"}), binary=True)
        await ws.write_message(_message("comm_msg", {"comm_id": comm, "data": {"method": "request_states"}},
                                        session), binary=True)
        deadline = time.perf_counter() + PAGE_TIMEOUT
        while time.perf_counter() < deadline:
            frame = await asyncio.wait_for(ws.read_message(), timeout=PAGE_TIMEOUT)
            if frame is None:
                break
            if isinstance(frame, str):
                continue
            _channel, parts = deserialize_msg_from_ws_v1(frame)
            header, content = parts[0], parts[3]
            # cheap checks first: the whole state is parsed only after the clock has stopped
            if b'"comm_msg"' in header and b'"update_states"' in content[:400] \
                    and comm.encode() in content[:200] + content[-200:]:
                out["state"] = time.perf_counter() - start
                out["state_bytes"] = len(frame)
                out["widgets"] = len(json.loads(content)["data"].get("states", {}))
                break
        ws.close()
    except Exception as err:  # noqa: BLE001 - a failed participant is counted as not served
        out["error"] = repr(err)[:200]
    return out


def widget_state(base: str, url: str, n: int) -> dict:
    """N simulated participants at once; p50/p95 of page-complete and widget-state-delivered times."""
    from tornado.httpclient import AsyncHTTPClient

    async def all_at_once():
        AsyncHTTPClient.configure(None, max_clients=n)
        start_at = time.perf_counter() + 0.2
        return await asyncio.gather(*(_one_participant(base, url, start_at) for _ in range(n)))

    results = asyncio.run(all_at_once())
    pages = [r["page"] for r in results if r["page"] is not None]
    states = [r["state"] for r in results if r["state"] is not None]

    def stats(values):
        return {"p50": statistics.median(values) if values else float("nan"),
                "p95": percentile(values, 95) if values else float("nan"),
                "max": max(values) if values else float("nan")}

    return {"n": n, "pages": len(pages), "complete": len(states), "page": stats(pages), "state": stats(states),
            "state_kb": statistics.median([r["state_bytes"] for r in results if r["state"]]) / 1024 if states else 0,
            "widgets": statistics.median([r["widgets"] for r in results if r["state"]]) if states else 0,
            "errors": [r["error"] for r in results if "error" in r][:3]}


# -- 2. real pages ------------------------------------------------------------------------------

async def _browser_pages(url: str, count: int, hold) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        outside: list[str] = []
        failures: list[str] = []

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
        for ctx, page in zip(contexts, pages):  # a phone's speed: Chrome's CPU throttling, four times slower
            cdp = await ctx.new_cdp_session(page)
            await cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})

        async def interactive(page) -> float:
            start = time.perf_counter()
            try:
                await page.goto(url, wait_until="commit", timeout=PAGE_TIMEOUT * 1000)
                button = page.get_by_role("button", name="Partner 1", exact=True).first
                for _ in range(20):  # bounded: a click made before the widget is live is simply tried again
                    await button.click(timeout=PAGE_TIMEOUT * 1000)
                    try:
                        await page.get_by_text("Partner 1 is answering now").first.wait_for(timeout=3000)
                        return time.perf_counter() - start
                    except Exception:  # noqa: BLE001 - playwright timeout: click again
                        continue
            except Exception as err:  # noqa: BLE001 - never usable within the time allowed: reported as n/a
                failures.append(f"{type(err).__name__} after {time.perf_counter() - start:.0f} s")
                try:
                    failures.append("page showed: " + " ".join((await page.inner_text("body"))[:300].split()))
                except Exception:  # noqa: BLE001
                    pass
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
    return {"times": list(times), "memory": memory, "closed_at": closed_at, "outside": outside,
            "failures": failures}


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
        self.url = self.base = f"http://127.0.0.1:{self.port}/"
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
        self.base = self.session.local_url
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


def load_average() -> str:
    """The machine's 1-minute load average (other work on the same CPUs slows everything measured)."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def measure(server, n: int, browsers: int, after: float) -> dict:
    out: dict = {"name": server.name, "command": server.display_command}
    out["warmup"] = getattr(server, "warmup", None)
    out["rss_start"] = server_rss(server)
    out["load_start"] = load_average()
    # one participant alone first: the floor (one kernel serializing its page's widget state)
    out["single"] = widget_state(server.base, server.url, 1)
    deadline = time.time() + 600
    while time.time() < deadline and not server.pool_ready():
        time.sleep(1)
    out["pages"] = widget_state(server.base, server.url, n)
    out["load_pages"] = load_average()
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
    out["load_end"] = load_average()
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
    sa, sb = a["pages"]["state"], b["pages"]["state"]
    ratio = sb["p95"] / sa["p95"] if sa["p95"] == sa["p95"] and sa["p95"] else float("nan")
    ba = [t for t in a["browser"]["times"] if t == t]
    bb = [t for t in b["browser"]["times"] if t == t]
    browser_ratio = (statistics.median(bb) / statistics.median(ba)) if ba and bb else float("nan")
    checks = [
        (f"widget state delivered, p95 for {args.n} participants at once, ≤ 1 s", sb["p95"] <= 1.0,
         f"{sb['p95']:.2f} s"),
        ("… and ≤ 0.2 × plain Voila's p95", ratio <= 0.2, f"{ratio:.3f} × plain"),
        (f"every simulated participant got its widget state ({args.n})", b["pages"]["complete"] == args.n,
         f"{b['pages']['complete']}/{args.n}"),
        ("≤ 120 MB RSS per participant kernel", b["browser"]["memory"]["max"] <= 120,
         f"max {b['browser']['memory']['max']:.0f} MB"),
        (f"no participant kernel left {args.after:.0f} s after the pages close", b["left_participants"] == 0,
         f"{b['left_participants']} left"),
        ("warm pool refilled", bool(b["pool_full"]), f"{b['left_total']} kernel processes in all"),
    ]
    rows = []
    for r in (a, b):
        pg = r["pages"]
        rows.append(
            f"| {r['name']} | {pg['complete']}/{pg['n']} | {fmt(pg['page']['p50'])} / {fmt(pg['page']['p95'])} | "
            f"**{fmt(pg['state']['p50'])} / {fmt(pg['state']['p95'])}** | {fmt(pg['state']['max'])} | "
            f"{pg['widgets']:.0f} widgets, {pg['state_kb']:.0f} KB | "
            f"{', '.join(f'{t:.1f}' if t == t else 'not usable' for t in r['browser']['times'])} | "
            f"{r['browser']['memory']['median']:.0f} / {r['browser']['memory']['max']:.0f} "
            f"({r['browser']['memory']['kernels']} kernels) | "
            f"{r['left_participants']} (of {r['left_total']} kernels) | "
            f"{r['rss_start']:.0f} → {r['rss_end']:.0f} |"
        )
    v = m["versions"]
    errors = [e for r in (a, b) for e in r["pages"]["errors"]]
    lines = [
        "# Group session load benchmark",
        "",
        f"Run: `.venv/bin/python benchmarks/group_load.py --n {args.n} --browsers {args.browsers} "
        f"--after {args.after:.0f}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, one run, "
        "both servers measured one after the other in that run.",
        "",
        "Machine: " + f"{m['nproc']} CPUs ({m['cpu']}), {m['ram']} RAM, {m['os']}; Python {m['python']}; "
        + ", ".join(f"{k} {val}" for k, val in v.items()) + f"; {m['chromium']}. The machine was shared with "
        "other work during the run, so absolute figures are noisy; the ratios come from the same run.",
        "",
        "Commands measured (same notebook, Module 1, in group mode so both keep answers in the browser):",
        "",
        f"- (a) `{a['command']}`: Voila's defaults (no warm kernels, no culling, default template).",
        f"- (b) `{b['command']}`: participant server only (`widgets.group.session.GroupSession`), warm pool of "
        f"{args.group}, culling after 90 s idle (checked every 15 s)"
        + (f"; the pool took {b['warmup']:.0f} s to fill at start." if b.get("warmup") else "."),
        "",
        f"What a participant waits for, on the server's side: {args.n} simulated participants at once, each doing",
        "what the browser does: load the page (read to `</html>`), open the page's kernel websocket, open the",
        "`jupyter.widget.control` comm and send `request_states` (over the v1 kernel websocket protocol the page",
        "uses); the clock stops when the `update_states` reply with every widget's state has arrived. In Chromium: "
        f"{args.browsers} pages opened at once with the CPU slowed {CPU_SLOWDOWN}× "
        "(`Emulation.setCPUThrottlingRate`), seconds from navigation until a widget answers a press",
        "(\"Partner 1\" → \"Partner 1 is answering now\").",
        "",
        "| server | participants served | page complete p50 / p95 s | **widget state delivered p50 / p95 s** | "
        f"state max s | state size | Chromium {CPU_SLOWDOWN}× slower CPU: s until a press works | "
        "RSS per kernel, median / max MB | participant kernels left after close | "
        "server + kernels RSS MB, start → end |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Ratios (b)/(a) in this run: widget state p95 {ratio:.3f}; Chromium median time until a press works "
        f"{browser_ratio:.2f} (of the pages that became usable).",
        "",
        f"One participant alone (before the {args.n}): widget state delivered in "
        f"(a) {fmt(a['single']['state']['p50'])} s, (b) {fmt(b['single']['state']['p50'])} s. "
        "Machine load (1-minute load average on "
        f"{m['nproc']} CPUs) at the start / after the {args.n} / after the Chromium pages: "
        f"(a) {a['load_start']} / {a['load_pages']} / {a['load_end']}, "
        f"(b) {b['load_start']} / {b['load_pages']} / {b['load_end']}.",
        "",
        "Targets (for (b)):",
        "",
        *[f"- {'MET' if ok else 'NOT MET'}: {what} ({val})" for what, ok, val in checks],
        "",
        "Participant kernels after the pages closed (seconds after close: kernels):",
        "",
        f"- (a): {', '.join(f'{s}s: {k}' for s, k in a['after_samples'])}",
        f"- (b): {', '.join(f'{s}s: {k}' for s, k in b['after_samples'])}",
        "",
        "Notes:",
        "",
        "- The simulated participants leave without closing their pages (like a phone that loses the",
        "  page); of the Chromium pages, one is closed normally (its own end-this-kernel request ends its",
        "  kernel at once) and the others without warning (the culler ends them). (b)'s pool kernels are not",
        "  participant kernels: participant kernels left = all kernels − pool size.",
        "- Plain Voila never culls, so its kernels of abandoned pages stay until the server stops.",
        "- Why (b)'s figure grows with N: each warm kernel still serializes its page's whole widget state when",
        "  asked, and the N kernels share the machine's CPUs; the one-participant figure is the floor per page.",
        "  Fewer widgets per page lower both. A load average far above the number of CPUs means other work",
        "  shared the CPUs during the run: those figures are slower than the software alone.",
        "- The Chromium figures include the browser's own work (loading the widget scripts, drawing the page)",
        f"  with a {CPU_SLOWDOWN}× slower CPU, on the same 2-core machine as the server; on participants' own",
        "  phones that part of the work is done by each phone.",
        "- Only 127.0.0.1 was contacted; requests the browser tried elsewhere (plain Voila's template links",
        f"  a CDN font) were aborted: (a) {len(a['browser']['outside'])}, (b) {len(b['browser']['outside'])}.",
        *([f"- Errors of simulated participants (first ones): {'; '.join(errors)}"] if errors else []),
        *([f"- Chromium pages not usable within {PAGE_TIMEOUT} s, ({k}): {'; '.join(r['browser']['failures'][:4])}"
           for k, r in (("a", a), ("b", b)) if r["browser"]["failures"]]),
        "",
    ]
    return "\n".join(lines)


START, END = "<!-- group_load:start -->", "<!-- group_load:end -->"


def write_section(out: Path, text: str) -> None:
    """Replace this benchmark's section of RESULTS.md, or add it at the top; other sections stay."""
    section = f"{START}\n{text.rstrip()}\n{END}\n"
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    if START in old and END in old:
        head, rest = old.split(START, 1)
        new = head + section + rest.split(END, 1)[1].lstrip("\n")
    else:
        new = section + ("\n" + old if old else "")
    out.write_text(new, encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20, help="simultaneous full page requests")
    ap.add_argument("--group", type=int, default=20, help="--group for the serve command (warm pool size)")
    ap.add_argument("--browsers", type=int, default=3, help="real Chromium pages opened at once")
    ap.add_argument("--after", type=float, default=120, help="seconds after closing to count kernels")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = ap.parse_args(argv)
    # the package's bytecode, as a user's copy has it after its first start (where
    # PYTHONDONTWRITEBYTECODE is set, every kernel would otherwise compile it again)
    compileall.compile_dir(str(ROOT / "widgets"), quiet=1)

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
        print(f"[{key}] widget state p50 {r['pages']['state']['p50']:.2f} s, p95 {r['pages']['state']['p95']:.2f} s "
              f"({r['pages']['complete']}/{r['pages']['n']}); browsers {r['browser']['times']}; "
              f"RSS/kernel max {r['browser']['memory']['max']:.0f} MB; "
              f"participant kernels left {r['left_participants']}; errors {r['pages']['errors']}", flush=True)
    text = report(results["a"], results["b"], machine(), args)
    write_section(args.out, text)
    print(text)
    print(f"(servers' log: {home / 'servers.log'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
