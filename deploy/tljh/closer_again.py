"""Closer Again on The Littlest JupyterHub: put this file in /opt/tljh/config/jupyterhub_config.d/.

TLJH loads it after its own settings (config.yaml), so these win. It assumes the workshop
is in /opt/closer-again and installed into TLJH's user environment:

    sudo git clone <this repository> /opt/closer-again
    sudo /opt/tljh/user/bin/pip install -c /opt/closer-again/constraints.txt /opt/closer-again

Each person is a real system user (jupyter-NAME) with their own home folder, started by
systemd; the workshop pages are read-only for them (owned by root).
"""

c = get_config()  # noqa: F821 - provided by JupyterHub when it reads this file

WORKSHOP = "/opt/closer-again"
# "home": each journal in the person's home (~/.local/share/closer-again/journal.sqlite3, 0600).
# "browser": answers only in the person's browser; nothing on this server's disk.
ANSWERS = "home"

c.Spawner.default_url = "/voila/render/00_start_here.ipynb"
c.Spawner.notebook_dir = f"{WORKSHOP}/notebooks"
c.Spawner.args = [f"--config={WORKSHOP}/deploy/hub/jupyter_server_config.py"]
c.Spawner.environment = {"JUPYTER_PATH": f"{WORKSHOP}/widgets/share"}
if ANSWERS == "browser":
    c.Spawner.environment.update({
        "CLOSER_AGAIN_GROUP_MODE": "1",
        "CLOSER_AGAIN_GROUP_STORAGE": "local",
        "CLOSER_AGAIN_GROUP_SESSION": lambda spawner: "hub" + "".join(ch for ch in spawner.user.name if ch.isalnum()),
    })
c.Authenticator.admin_users = set()
