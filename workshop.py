#!/usr/bin/env python3
"""Set up Closer Again and run it. Needs only Python 3.11+ with venv and pip.

    python3 workshop.py serve   set up (first time only) and serve the dashboard
    python3 workshop.py test    set up (first time only) and run every test
    python3 workshop.py lab     set up (first time only) and open JupyterLab
    python3 workshop.py guide   write the printable facilitator handbook
    python3 workshop.py hub     try the workshop on JupyterHub, on this computer
                                (--answers home|browser, --port 8000)

Everything is installed into ./.venv, with the versions pinned in
constraints.txt. A second run reuses what the first one built.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
CHROMIUM = Path("/usr/bin/chromium")
HUB = ROOT / ".hub"  # the local trial hub: its database, the proxy from npm, one home per person
HUB_NODE = HUB / "node"
PROXY = HUB_NODE / "node_modules" / ".bin" / "configurable-http-proxy"


def say(text: str) -> None:
    print(f"[closer-again] {text}", flush=True)


def fingerprint(extra: str) -> str:
    digest = hashlib.sha256(extra.encode())
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_environment(extra: str) -> None:
    """Create .venv and install the project, unless it is already up to date."""
    if sys.version_info < (3, 11):
        sys.exit("Closer Again needs Python 3.11 or newer. This is Python %d.%d." % sys.version_info[:2])
    stamp = VENV / f".installed-{extra or 'base'}"
    wanted = fingerprint(extra)
    if stamp.exists() and stamp.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        say("creating a private Python environment in .venv (first run only)")
        try:
            venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
        except (subprocess.CalledProcessError, OSError) as exc:
            sys.exit(
                f"Could not create .venv ({exc}).\n"
                "On Debian or Ubuntu, install the venv module first: sudo apt-get install python3-venv"
            )
    say("installing the workshop and its libraries (a few minutes the first time)")
    target = f".[{extra}]" if extra else "."
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", str(ROOT / "constraints.txt"), "-e", target])
    stamp.write_text(wanted)


def ensure_chromium() -> str:
    """The browser tests drive Debian's Chromium; install it when we can."""
    found = os.environ.get("CLOSER_AGAIN_CHROMIUM") or (str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium"))
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Chromium for the browser tests (first run only)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        run(["apt-get", "update", "-qq"], env=env)
        run(["apt-get", "install", "-y", "-qq", "chromium", "fonts-dejavu-core"], env=env)
        return str(CHROMIUM)
    sys.exit(
        "The browser tests need Chromium. Install it with: sudo apt-get install chromium\n"
        "or point CLOSER_AGAIN_CHROMIUM at a Chromium or Chrome binary."
    )


def ensure_proxy() -> str:
    """JupyterHub's proxy, configurable-http-proxy, from npm into .hub/node (the version in
    deploy/hub/package-lock.json), unless one is installed already."""
    found = os.environ.get("CLOSER_AGAIN_HUB_PROXY") or (str(PROXY) if PROXY.exists() else None)
    if found:
        return found
    npm = shutil.which("npm")
    if not npm:
        sys.exit("JupyterHub needs its proxy from npm. Install Node.js and npm first:\n"
                 "    sudo apt-get install nodejs npm")
    say("installing configurable-http-proxy from npm into .hub/node (first run only)")
    HUB_NODE.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(ROOT / "deploy" / "hub" / name, HUB_NODE / name)
    run([npm, "ci", "--prefix", str(HUB_NODE), "--no-audit", "--no-fund", "--loglevel=error"])
    return str(PROXY)


def hub(rest: list[str]) -> int:
    """A JupyterHub on this computer, with a test password: for trying the workshop as several people."""
    import argparse
    import secrets

    parser = argparse.ArgumentParser(prog="workshop.py hub")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--answers", choices=("home", "browser"), default="home",
                        help="where answers live: each person's home folder, or only their browser")
    args = parser.parse_args(rest)
    import socket

    for port in (args.port, args.port + 1, args.port + 2):  # people's address, the hub's API, the proxy's API
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                sys.exit(f"Port {port} is already in use on this computer. Try another one, for example:\n"
                         f"    python3 workshop.py hub --port {args.port + 100}")
    ensure_environment("hub")
    proxy = ensure_proxy()
    password = secrets.token_urlsafe(9)
    state = Path(os.environ.get("CLOSER_AGAIN_HUB_DIR") or HUB)  # the tests use a folder of their own
    env = dict(os.environ, CLOSER_AGAIN_HUB_DIR=str(state), CLOSER_AGAIN_HUB_PORT=str(args.port),
               CLOSER_AGAIN_HUB_ANSWERS=args.answers, CLOSER_AGAIN_HUB_PASSWORD=password,
               CLOSER_AGAIN_HUB_PROXY=proxy, PATH=os.pathsep.join([str(PYTHON.parent), os.environ.get("PATH", "")]))
    log = state / "jupyterhub.log"
    print(f"""
A JupyterHub for trying Closer Again is starting. Open this address in your web browser:

    http://127.0.0.1:{args.port}/

Sign in with any name (for example alex) and this password: {password}
To be a second person at the same time, open a private window and sign in with another name.
Answers are kept {f"in each person's own folder under {state / 'homes'}" if args.answers == "home" else "only in each person's browser"}.
It works on this computer only, and it is for trying the workshop, not for real participants
(deploy/hub/README.md says how a clinic runs it). Press Ctrl+C here to stop.
(Technical messages go to {log})
""", flush=True)
    state.mkdir(mode=0o700, parents=True, exist_ok=True)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # started as a background job: without this the hub's services would ignore Ctrl+C too
        signal.signal(signal.SIGINT, signal.default_int_handler)
    with log.open("a", encoding="utf-8") as out:
        return run_and_forward([str(PYTHON), "-m", "jupyterhub", "-f", str(ROOT / "deploy" / "hub" / "jupyterhub_config.py")],
                               env=env, stdout=out, stderr=subprocess.STDOUT)


def run(cmd: list[str], **kwargs) -> None:
    result = subprocess.run(cmd, cwd=ROOT, **kwargs)
    if result.returncode != 0:
        sys.exit(f"Set-up step failed ({' '.join(cmd[:4])} ...). See the messages above.")


FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
FROM_THE_TERMINAL = 0x80  # si_code SI_KERNEL: Ctrl+C typed in the terminal (already sent to the child too)


def run_and_forward(cmd: list[str], **popen) -> int:
    """Run the command and wait for it to finish, however this process is asked to stop.

    Ctrl+C in the terminal reaches the command directly (it shares the terminal), so it is
    not sent twice. SIGTERM, SIGHUP, or a SIGINT sent to this process alone are passed on.
    Either way this process waits until the command has finished its own clean-up.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, FORWARDED)
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT, **popen,
                                preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED))
        while proc.poll() is None:
            info = signal.sigtimedwait(FORWARDED, 0.5)
            if info is None:
                continue
            if info.si_signo == signal.SIGINT and info.si_code == FROM_THE_TERMINAL:
                continue
            try:
                proc.send_signal(info.si_signo)
            except ProcessLookupError:
                pass
        code = proc.returncode
    finally:
        while signal.sigtimedwait(FORWARDED, 0) is not None:
            pass  # a late Ctrl+C: the command has ended already
        signal.pthread_sigmask(signal.SIG_UNBLOCK, FORWARDED)
    return 128 - code if code < 0 else code


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "serve"
    rest = argv[1:]
    if command in ("serve", "lab", "guide", "build"):
        ensure_environment("")
        return run_and_forward([str(PYTHON), "-m", "widgets.cli", command, *rest])
    if command == "hub":
        return hub(rest)
    if command == "test":
        ensure_environment("test")
        chromium = ensure_chromium()
        env = dict(os.environ, CLOSER_AGAIN_CHROMIUM=chromium, CLOSER_AGAIN_HUB_PROXY=ensure_proxy())
        return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT, env=env)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
