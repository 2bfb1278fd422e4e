"""How the local JupyterHub copes when a group logs in at once.

    .venv/bin/python benchmarks/hub_load.py [--sizes 5 10 20]

For each N, a fresh hub (deploy/hub/jupyterhub_config.py, answers in each home) is
started on 127.0.0.1; N people log in at the same moment, each in their own Chromium
context, and are sent straight to Module 1. Measured per person: seconds from pressing
"Sign in" to a usable Module 1 page (the toolbar shown, the loading screen gone, the
"Partner 1" button there), which includes starting their own server (a "server starting"
page stuck for 45 s is reloaded, as a person would, and counted); and, once all pages
are open, the memory of each person's server with its kernel (proportional set size,
from /proc). Prints a Markdown table for benchmarks/RESULTS.md. Needs
configurable-http-proxy (python3 workshop.py hub or test installs it into .hub/node).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.async_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "hub" / "jupyterhub_config.py"
PASSWORD = "benchmark-password"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def proxy() -> str:
    local = ROOT / ".hub" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
    found = os.environ.get("CLOSER_AGAIN_HUB_PROXY") or (str(local) if local.exists() else shutil.which("configurable-http-proxy"))
    if not found:
        sys.exit("configurable-http-proxy is missing: run `python3 workshop.py hub` once (it installs it into .hub/node).")
    return found


def free_port_block() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        try:
            for offset in (1, 2):
                with socket.socket() as t:
                    t.bind(("127.0.0.1", port + offset))
            return port
        except OSError:
            continue


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory_per_person(homes: Path) -> dict[str, float]:
    """MB per person: their server and its kernels (every process whose HOME is their home)."""
    totals: dict[str, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        for var in env:
            if var.startswith(f"HOME={homes}/".encode()):
                user = var.decode().rsplit("/", 1)[1]
                totals[user] = totals.get(user, 0) + pss_kib(int(entry.name))
    return {user: kib / 1024 for user, kib in totals.items()}


class Hub:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port_block()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CLOSER_AGAIN_", "JUPYTERHUB_"))}
        env.update(CLOSER_AGAIN_HUB_DIR=str(folder / "state"), CLOSER_AGAIN_HUB_PORT=str(self.port),
                   CLOSER_AGAIN_HUB_PASSWORD=PASSWORD, CLOSER_AGAIN_HUB_PROXY=proxy(),
                   PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
        self.log = (folder / "hub.log").open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], cwd=folder, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/hub/api/", timeout=2)  # noqa: S310
                return
            except OSError:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the hub did not start") from None
                time.sleep(0.3)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=90)
        self.log.close()


async def one_person(browser, base: str, user: str) -> tuple[float, int]:
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    page.set_default_timeout(600_000)  # a loaded 2-core machine can take minutes (sign-in included)
    await page.goto(f"{base}/hub/login?next=/hub/user-redirect/voila/render/01_welcome.ipynb")
    await page.get_by_label("Username").fill(user)
    await page.get_by_label("Password").fill(PASSWORD)
    start = time.perf_counter()
    await page.get_by_role("button", name="Sign in").click()
    # JupyterHub's "your server is starting" page waits for an event stream; under load it can
    # miss the "ready" event and wait for ever. A person would reload: so does this, and counts it.
    reloads = 0
    while True:
        try:
            await page.wait_for_url("**/voila/render/01_welcome.ipynb*", timeout=45_000)
            break
        except PlaywrightTimeout:
            if reloads >= 10:
                raise
            reloads += 1
            await page.reload()
    await page.wait_for_selector(".ca-toolbar", timeout=600_000)
    await page.wait_for_function(
        "!document.querySelector('#loading') || document.querySelector('#loading').style.display === 'none'",
        timeout=600_000)
    await page.get_by_role("button", name="Partner 1", exact=True).first.wait_for(timeout=600_000)
    return time.perf_counter() - start, reloads


async def measure(n: int) -> tuple[list[float], list[float], int, int]:
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory(prefix="closer-again-hub-bench-") as tmp:
        hub = Hub(Path(tmp))
        try:
            async with async_playwright() as p:
                browser = await p.chromium.launch(
                    executable_path=os.environ.get("CLOSER_AGAIN_CHROMIUM", "/usr/bin/chromium"), args=CHROMIUM_ARGS)
                base = f"http://127.0.0.1:{hub.port}"
                results = await asyncio.gather(*(one_person(browser, base, f"person{i:02d}") for i in range(n)),
                                               return_exceptions=True)
                failed = [r for r in results if isinstance(r, BaseException)]
                for error in failed:
                    print(f"  (one person did not get a usable page: {type(error).__name__})", file=sys.stderr)
                if len(failed) == n:
                    raise failed[0]
                seconds = [r[0] for r in results if not isinstance(r, BaseException)]
                reloads = sum(r[1] for r in results if not isinstance(r, BaseException))
                await asyncio.sleep(3)  # let every kernel settle before reading memory
                memory = list(memory_per_person(Path(tmp) / "state" / "homes").values())
                await browser.close()
        finally:
            hub.stop()
    return seconds, memory, reloads, len(failed)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kib = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")))
    import jupyterhub
    import voila

    return (f"{os.cpu_count()} CPU ({cpu}), {mem_kib / 1024 ** 2:.0f} GB RAM, Python {platform.python_version()}, "
            f"JupyterHub {jupyterhub.__version__}, Voila {voila.__version__}, load average before: "
            f"{os.getloadavg()[0]:.2f}")


def _stop(signum, frame):
    raise KeyboardInterrupt  # the hub in `measure` is stopped on the way out


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _stop)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 10, 20])
    args = parser.parse_args(argv)
    print(f"Machine: {machine()}\n")
    print("| people logging in at once | median s to a usable Module 1 | slowest s | median MB per person's server"
          " | reloads of a stuck 'server starting' page | people without a usable page |")
    print("|---|---|---|---|---|---|")
    medians = {}
    for n in args.sizes:
        seconds, memory, reloads, failed = asyncio.run(measure(n))
        medians[n] = statistics.median(seconds)
        print(f"| {n} | {medians[n]:.1f} | {max(seconds):.1f} | {statistics.median(memory):.0f} | {reloads} | {failed} |",
              flush=True)
    first = args.sizes[0]
    for n in args.sizes[1:]:
        print(f"\nMedian time with {n} people is {medians[n] / medians[first]:.1f}x the time with {first}.", end="")
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
