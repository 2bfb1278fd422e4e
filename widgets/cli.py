"""The workshop's commands (inside the project's environment).

    closer-again serve [--port 8866]   the Voila dashboard, on this computer only
    closer-again serve --module N [--group 20] [--network]
                                       a group session: one module, access code, QR code
    closer-again lab                   JupyterLab, for self-paced use and editing
    closer-again guide                 write the printable facilitator handbook
    closer-again build [--check]       write the notebooks from the content files

``python3 workshop.py ...`` at the top of the repository sets everything up
first and then runs these.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from . import locations
from .authoring import build
from .authoring.handbook import write_handbook
from .group.serve import serve_group
from .group.session import KERNELS_OVER_FILES
from .storage import paths

ROOT = locations.ROOT
NOTEBOOKS = locations.NOTEBOOKS  # the clone's, or the installed copy's (see widgets/locations.py)
SERVER_CONFIG = locations.SERVER_CONFIG
#: our Voila template lives in the package; Jupyter finds it through JUPYTER_PATH
SHARE = locations.SHARE


def server_env() -> dict[str, str]:
    """Our Voila template (JUPYTER_PATH) and our JupyterLab page config (JUPYTER_CONFIG_PATH:
    labconfig/page_config.json turns off JupyterLab's news and update prompts, which would go online)."""
    def first(path: Path, name: str) -> str:
        return os.pathsep.join(filter(None, [str(path), os.environ.get(name)]))

    return dict(os.environ, PYTHONUNBUFFERED="1", JUPYTER_PATH=first(SHARE, "JUPYTER_PATH"),
                JUPYTER_CONFIG_PATH=first(SHARE, "JUPYTER_CONFIG_PATH"))


def voila_command(port: int, ip: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable, "-m", "voila", str(NOTEBOOKS),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--theme=light",
        "--template=closer-again",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.file_allowlist=[]",
        "--VoilaConfiguration.file_denylist=['.*']",
        *KERNELS_OVER_FILES,  # no TCP port for a kernel: none can be taken by another connection
        "--MappingKernelManager.cull_idle_timeout=1800",
        "--MappingKernelManager.cull_interval=120",
        "--MappingKernelManager.cull_connected=False",
    ]


def landing_url(port: int, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{port}/voila/render/{build.LANDING}"


def serve(args) -> int:
    if args.module is not None:

        return serve_group(args.module, args.group or 20, args.network, args.port)
    if args.network or args.group is not None:
        print("--group and --network are for a group session: add --module N (for example --module 1).")
        return 2
    log_dir = paths.log_dir()
    paths.ensure_private_dir(log_dir)
    log_file = log_dir / "dashboard.log"
    paths.ensure_private_file(log_file)
    print("Closer Again is starting. Open this address in your web browser:\n")
    print(f"    {landing_url(args.port)}\n")
    print("It works on this computer only. Press Ctrl+C here to stop.")
    print(f"(Technical messages, for whoever runs the session, go to {log_file})", flush=True)
    env = server_env()
    with log_file.open("a", encoding="utf-8") as log:
        proc = subprocess.Popen(voila_command(args.port), cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        # stopping this command stops the server with it
        signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
        try:
            code = proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            code = proc.wait(timeout=20)
        print("\nClosed. Your answers are saved on this device.")
        return 0 if code in (0, -signal.SIGTERM) else code


def lab_command(*extra: str) -> list[str]:
    # this config strips answers (outputs, widget state) from notebooks on every save
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--config={SERVER_CONFIG}", *extra]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def lab(args) -> int:
    if not locations.CHECKOUT:
        # JupyterLab opens the notebooks to edit and save them, with the settings that strip
        # answers on save (jupyter_server_config.py): both live in a clone, not in an installed copy
        print("closer-again lab works in a copy of the project's folder (git clone), where the notebooks\n"
              "can be edited and saved safely: there, run  python3 workshop.py lab")
        return 2
    return subprocess.call(lab_command(str(NOTEBOOKS / build.LANDING)), cwd=ROOT, env=server_env())


def guide(args) -> int:

    path = write_handbook(args.out)
    print(f"The facilitator handbook is ready: {path}\nOpen it in a browser and print it, or save it as PDF.")
    return 0


def build_notebooks(args) -> int:
    if not args.check and not locations.CHECKOUT:
        print("This is an installed copy: its notebooks were written when it was packaged, and they\n"
              "are checked with  closer-again build --check . To change the content, work in a copy of\n"
              "the project's folder (git clone) and run  python3 workshop.py build  there.")
        return 2
    return build.main(["--check"] if args.check else [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="closer-again", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="serve the dashboard on this computer")
    p_serve.add_argument("--port", type=int, default=8866)
    p_serve.add_argument("--module", type=int, default=None,
                         help="a group session: serve this one module to the room, with an access code")
    p_serve.add_argument("--group", type=int, default=None,
                         help="group session: how many phones or laptops will join (default 20)")
    p_serve.add_argument("--network", action="store_true",
                         help="group session: let devices on this local network (Wi-Fi) join")
    p_serve.set_defaults(func=serve)
    p_lab = sub.add_parser("lab", help="open the notebooks in JupyterLab")
    p_lab.set_defaults(func=lab)
    p_guide = sub.add_parser("guide", help="write the printable facilitator handbook (HTML)")
    p_guide.add_argument("--out", type=Path, default=locations.OUTPUT / "facilitator-handbook.html")
    p_guide.set_defaults(func=guide)
    p_build = sub.add_parser("build", help="write the notebooks from the content files")
    p_build.add_argument("--check", action="store_true")
    p_build.set_defaults(func=build_notebooks)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:  # Ctrl+C before a command had set up its own way of stopping
        print("\nStopped.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
