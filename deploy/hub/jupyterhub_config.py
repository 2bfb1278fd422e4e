"""JupyterHub for Closer Again: one private dashboard server per person.

Try it on one computer with ``python3 workshop.py hub``. That command sets the
variables below and starts ``jupyterhub -f deploy/hub/jupyterhub_config.py``.

What this file sets up:

* each person logs in and gets their own server, which opens the dashboard's start
  page (Voila as a server extension, our template, no JupyterLab, no code view);
* nothing on the page is loaded from outside the hub (see jupyter_server_config.py);
* answers are kept either in the person's own journal in their home folder (locked
  with their passphrase if they set one), or only in their own browser ("browser");
* jupyterhub-idle-culler stops servers nobody has used for a while;
* no admin users, and no one can open another person's server.

The local trial uses a shared test password and one home folder per person under
``CLOSER_AGAIN_HUB_DIR``. Every process runs as the same system user there, so it is
for trying the workshop, not for real participants. For a clinic, see README.md here.

Environment (all optional):

  CLOSER_AGAIN_HUB_DIR        hub state: database, cookie secret, homes (default ./.hub)
  CLOSER_AGAIN_HUB_PORT       the address people open: http://127.0.0.1:PORT (8000); the hub's
                              own API uses PORT+1 and the proxy's API PORT+2, on 127.0.0.1
  CLOSER_AGAIN_HUB_IP         which address to listen on (127.0.0.1: this computer only)
  CLOSER_AGAIN_HUB_PASSWORD   the test password every trial user types (8+ characters)
  CLOSER_AGAIN_HUB_ANSWERS    "home" (default) or "browser"
  CLOSER_AGAIN_HUB_IDLE       seconds without use before a server is stopped (3600)
  CLOSER_AGAIN_HUB_CULL_EVERY how often the culler looks, in seconds (300)
  CLOSER_AGAIN_HUB_PROXY      the configurable-http-proxy command (default: .hub/node/...)
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it reads this file

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
NOTEBOOKS = REPO / "notebooks"
SERVER_CONFIG = HERE / "jupyter_server_config.py"
START_PAGE = "00_start_here.ipynb"

STATE = Path(os.environ.get("CLOSER_AGAIN_HUB_DIR") or REPO / ".hub").resolve()
HOMES = STATE / "homes"
PORT = int(os.environ.get("CLOSER_AGAIN_HUB_PORT") or 8000)
IP = os.environ.get("CLOSER_AGAIN_HUB_IP") or "127.0.0.1"
ANSWERS = os.environ.get("CLOSER_AGAIN_HUB_ANSWERS") or "home"
IDLE = int(os.environ.get("CLOSER_AGAIN_HUB_IDLE") or 3600)
CULL_EVERY = int(os.environ.get("CLOSER_AGAIN_HUB_CULL_EVERY") or 300)
PROXY = os.environ.get("CLOSER_AGAIN_HUB_PROXY") or str(STATE / "node" / "node_modules" / ".bin" / "configurable-http-proxy")
if ANSWERS not in ("home", "browser"):
    sys.exit(f"CLOSER_AGAIN_HUB_ANSWERS must be 'home' or 'browser', not {ANSWERS!r}")

for folder in (STATE, HOMES):
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)

# -- the hub and its proxy: this computer only --------------------------------------
c.JupyterHub.ip = IP
c.JupyterHub.port = PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 1
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 2}"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [PROXY]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.JupyterHub.cleanup_servers = True   # stopping the hub stops every person's server
c.JupyterHub.cleanup_proxy = True

# -- who may log in: a test password (replace for real use; see README.md) ----------
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = os.environ.get("CLOSER_AGAIN_HUB_PASSWORD") or "try-closer-again"
c.Authenticator.allow_all = True      # any name, with the shared test password
c.Authenticator.admin_users = set()   # nobody is an admin
c.Authenticator.enable_auth_state = False

# -- each person's server ---------------------------------------------------------
c.JupyterHub.spawner_class = "simple"  # SimpleLocalProcessSpawner: one folder per person
c.SimpleLocalProcessSpawner.home_dir_template = str(HOMES / "{username}")
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.args = [f"--config={SERVER_CONFIG}"] + (["--allow-root"] if os.geteuid() == 0 else [])
c.Spawner.default_url = f"/voila/render/{START_PAGE}"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90


def share_dir() -> str:
    """Our Voila template lives in the package (widgets/share); Jupyter finds it through JUPYTER_PATH."""
    from widgets import locations

    return str(locations.SHARE)


def prepare_home(spawner) -> None:
    """A fresh copy of the workshop pages in the person's own folder, at every start.

    Each server serves its own copy, so nothing one person's server does can change
    another person's pages; an update of the workshop reaches everyone at their next start.
    """
    home = Path(spawner.home_dir)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    pages = home / "closer-again"
    if pages.exists():
        shutil.rmtree(pages)
    shutil.copytree(NOTEBOOKS, pages, ignore=shutil.ignore_patterns(".*"))
    spawner.notebook_dir = str(pages)


c.Spawner.pre_spawn_hook = prepare_home

environment = {
    "JUPYTER_PATH": share_dir(),
    "JUPYTER_CONFIG_PATH": share_dir(),
    "PYTHONUNBUFFERED": "1",
}
if ANSWERS == "browser":
    # As in a group session: answers live in an in-memory journal in the kernel, mirrored
    # into the person's own browser (localStorage); nothing is written to the server's disk.
    environment.update({
        "CLOSER_AGAIN_GROUP_MODE": "1",
        "CLOSER_AGAIN_GROUP_STORAGE": "local",
        "CLOSER_AGAIN_GROUP_SESSION": lambda spawner: "hub" + "".join(ch for ch in spawner.user.name if ch.isalnum()),
    })
# "home": the journal is the platformdirs default under the person's HOME
# (~/.local/share/closer-again/journal.sqlite3, 0600), as on a laptop.
c.Spawner.environment = environment

# -- idle servers end ------------------------------------------------------------
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={IDLE}", f"--cull-every={CULL_EVERY}"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
# how often the hub notices activity (it must be shorter than the idle time)
c.JupyterHub.last_activity_interval = min(300, max(5, IDLE // 4))
c.Spawner.environment["JUPYTERHUB_ACTIVITY_INTERVAL"] = str(min(300, max(5, IDLE // 4)))
