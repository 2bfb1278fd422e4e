"""The deployment files, checked as far as this machine allows.

No Kubernetes, Helm or TLJH installer here: the values file and the TLJH config are
checked against the keys their projects document (derived from the chart's
values.schema.yaml and TLJH's config_schema.py; the source of each list is named in
it), and the hub and server configs against the traitlets of the installed JupyterHub,
Jupyter Server and Voila.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import free_port
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
START_PAGE = "/voila/render/00_start_here.ipynb"
GROUP_ARRIVING_AT_ONCE = 20


class NoDuplicates(yaml.SafeLoader):
    """YAML that refuses a key given twice (PyYAML would keep the last one silently)."""


def _mapping(loader, node, deep=False):
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    assert not twice, f"keys given twice: {twice}"
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


NoDuplicates.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_yaml(path: Path) -> dict:
    return yaml.load(path.read_text(), NoDuplicates)  # noqa: S506 - a safe loader


JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array",
              dict: "object", type(None): "null"}


def undocumented(values: dict, documented: dict) -> list[str]:
    """Every key of ours the project does not document, and every value of the wrong type."""
    problems = []

    def walk(node: dict, path: str) -> None:
        spec = documented.get(path or "(top)")
        if spec is None:
            return  # an open mapping (hub.config.GenericOAuthenticator, extraEnv, ...)
        for key, value in node.items():
            where = f"{path}.{key}" if path else key
            known = spec["keys"].get(key)
            if known is None:
                if not (spec["open"] or any(re.match(p, key) for p in spec.get("patterns", []))):
                    problems.append(f"{where}: not a documented key")
                continue
            kind = JSON_TYPES[type(value)]
            allowed = set(known["type"]) | ({"number"} if kind == "integer" and "number" in known["type"] else set())
            if known["type"] and kind not in allowed and not (kind == "integer" and "number" in allowed):
                problems.append(f"{where}: {kind}, documented as {known['type']}")
            if "enum" in known and value not in known["enum"]:
                problems.append(f"{where}: {value!r} is not one of {known['enum']}")
            if isinstance(value, dict):
                walk(value, where)

    walk(values, "")
    return problems


# -- Zero to JupyterHub ---------------------------------------------------------------

@pytest.fixture(scope="module")
def z2jh() -> dict:
    return load_yaml(DEPLOY / "z2jh" / "values.yaml")


@pytest.fixture(scope="module")
def chart_keys() -> dict:
    return json.loads((DEPLOY / "z2jh" / "chart-keys.json").read_text())


def test_values_use_only_keys_the_chart_documents(z2jh, chart_keys):
    assert "values.schema.yaml" in chart_keys["source"]
    assert undocumented(z2jh, chart_keys["mappings"]) == []


def test_undocumented_keys_and_wrong_types_are_caught(chart_keys):
    """The check above can fail: a misspelt key and a string where the chart wants true/false."""
    bad = {"singleuser": {"storage": {"tpye": "dynamic"},
                          "networkPolicy": {"egressAllowRules": {"nonPrivateIPs": "no"}}}}
    assert undocumented(bad, chart_keys["mappings"]) == [
        "singleuser.storage.tpye: not a documented key",
        "singleuser.networkPolicy.egressAllowRules.nonPrivateIPs: string, documented as ['boolean']",
    ]


def test_values_sign_in_with_openid_connect_and_nobody_is_admin(z2jh, chart_keys):
    config = z2jh["hub"]["config"]
    assert config["JupyterHub"]["authenticator_class"] == "generic-oauth"
    oauth = config["GenericOAuthenticator"]
    assert set(oauth) <= set(chart_keys["GenericOAuthenticator"]["keys"]), "GenericOAuthenticator settings"
    assert {"authorize_url", "token_url", "userdata_url", "client_id", "oauth_callback_url"} <= set(oauth)
    assert "openid" in oauth["scope"]
    assert oauth["admin_groups"] == [] and config["Authenticator"]["admin_users"] == []
    assert config["JupyterHub"]["admin_access"] is False
    assert config["Authenticator"]["enable_auth_state"] is False
    for name, snippet in z2jh["hub"].get("extraConfig", {}).items():
        compile(snippet, name, "exec")
    assert z2jh["debug"]["enabled"] is False


def test_values_give_each_person_storage_and_the_dashboard(z2jh):
    single = z2jh["singleuser"]
    assert single["storage"]["type"] == "dynamic"
    assert single["storage"]["dynamic"]["storageAccessModes"] == ["ReadWriteOnce"]
    assert single["defaultUrl"] == START_PAGE
    assert (ROOT / "notebooks" / START_PAGE.rsplit("/", 1)[1]).exists()
    assert single["cmd"] == "jupyterhub-singleuser"


def test_the_user_image_copies_what_the_values_point_to(z2jh):
    dockerfile = (DEPLOY / "z2jh" / "Dockerfile").read_text()
    assert "COPY . /opt/closer-again" in dockerfile
    for path in re.findall(r"/opt/closer-again/([\w./-]+)", dockerfile):
        if not path.startswith("share"):
            assert (ROOT / path.rstrip("/.")).exists(), path
    assert z2jh["hub"]["config"]["KubeSpawner"]["notebook_dir"] == "/opt/closer-again/notebooks"
    assert z2jh["singleuser"]["extraEnv"]["JUPYTER_PATH"] == "/opt/closer-again/share"
    assert "ENV JUPYTER_PATH=/opt/closer-again/share" in dockerfile


def test_values_allow_no_egress_from_participants_servers(z2jh):
    policy = z2jh["singleuser"]["networkPolicy"]
    assert policy["enabled"] is True and policy["egress"] == []
    rules = policy["egressAllowRules"]
    # only the cluster's DNS, to find the hub; nothing outside, no private network, no metadata server
    assert {k for k, v in rules.items() if v} == {"dnsPortsKubeSystemNamespace"}
    assert len(rules) == 6, "every rule is set explicitly, none left to the chart's default (true)"
    assert z2jh["singleuser"]["cloudMetadata"]["blockWithIptables"] is True


def test_values_cull_idle_servers_pre_pull_and_hold_room_for_a_group(z2jh):
    cull = z2jh["cull"]
    assert cull["enabled"] is True and 0 < cull["every"] < cull["timeout"] <= 3 * 3600
    assert cull["users"] is False, "culling stops servers; people and their storage stay"
    assert z2jh["prePuller"]["hook"]["enabled"] and z2jh["prePuller"]["continuous"]["enabled"]
    scheduling = z2jh["scheduling"]
    assert scheduling["userPlaceholder"]["enabled"] is True
    assert scheduling["userPlaceholder"]["replicas"] >= GROUP_ARRIVING_AT_ONCE
    assert scheduling["podPriority"]["enabled"] is True  # placeholders give way to real people


# -- The Littlest JupyterHub -------------------------------------------------------------

@pytest.fixture(scope="module")
def tljh() -> dict:
    return load_yaml(DEPLOY / "tljh" / "config.yaml")


def test_tljh_config_uses_only_documented_keys(tljh):
    documented = json.loads((DEPLOY / "tljh" / "tljh-keys.json").read_text())
    assert "config_schema.py" in documented["source"]
    assert undocumented(tljh, documented["mappings"]) == []
    assert tljh["users"]["admin"] == []
    assert tljh["services"]["cull"]["enabled"] is True
    assert tljh["auth"]["type"] == "oauthenticator.generic.GenericOAuthenticator"
    chart_keys = json.loads((DEPLOY / "z2jh" / "chart-keys.json").read_text())
    assert set(tljh["auth"]["GenericOAuthenticator"]) <= set(chart_keys["GenericOAuthenticator"]["keys"])


def load_config_file(path: Path, env: dict[str, str] | None = None, monkeypatch=None) -> Config:
    c = Config()
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    code = compile(path.read_text(), str(path), "exec")
    exec(code, {"get_config": lambda: c, "__file__": str(path), "__name__": "config"})  # noqa: S102
    return c


def unknown_traits(c: Config, classes: dict) -> list[str]:
    wrong = []
    for section, values in c.items():
        cls = classes.get(section)
        if cls is None:
            wrong.append(f"{section}: not a class we expect")
            continue
        names = set(cls.class_trait_names(config=True))
        wrong += [f"{section}.{name}" for name in values if name not in names]
    return wrong


def hub_classes() -> dict:
    from jupyterhub.app import JupyterHub
    from jupyterhub.auth import Authenticator
    from jupyterhub.authenticators.shared import SharedPasswordAuthenticator
    from jupyterhub.proxy import ConfigurableHTTPProxy
    from jupyterhub.spawner import LocalProcessSpawner, SimpleLocalProcessSpawner, Spawner

    return {cls.__name__: cls for cls in (JupyterHub, Authenticator, SharedPasswordAuthenticator,
                                          ConfigurableHTTPProxy, Spawner, LocalProcessSpawner,
                                          SimpleLocalProcessSpawner)}


def test_tljh_snippet_sets_only_real_settings_and_opens_the_dashboard(monkeypatch):
    c = load_config_file(DEPLOY / "tljh" / "closer_again.py", monkeypatch=monkeypatch)
    assert unknown_traits(c, hub_classes()) == []
    assert c.Spawner.default_url == START_PAGE
    workshop = "/opt/closer-again/"
    # every path it names exists in this repository (cloned to /opt/closer-again)
    named = [c.Spawner.notebook_dir, c.Spawner.args[0].split("=", 1)[1], c.Spawner.environment["JUPYTER_PATH"]]
    for path in named:
        assert path.startswith(workshop) and (ROOT / path[len(workshop):]).exists(), path
    assert c.Authenticator.admin_users == set()


# -- this repository's own hub (python3 workshop.py hub) ------------------------------

def test_hub_config_sets_only_real_settings(tmp_path, monkeypatch):
    c = load_config_file(DEPLOY / "hub" / "jupyterhub_config.py", monkeypatch=monkeypatch,
                         env={"CLOSER_AGAIN_HUB_DIR": str(tmp_path), "CLOSER_AGAIN_HUB_ANSWERS": "browser"})
    assert unknown_traits(c, hub_classes()) == []
    assert c.JupyterHub.ip == "127.0.0.1" and c.JupyterHub.hub_ip == "127.0.0.1"
    assert c.Authenticator.admin_users == set()
    assert c.Spawner.default_url == START_PAGE
    culler = next(s for s in c.JupyterHub.services if s["name"] == "idle-culler")
    assert "jupyterhub_idle_culler" in culler["command"]
    role = next(r for r in c.JupyterHub.load_roles if r["services"] == ["idle-culler"])
    assert "delete:servers" in role["scopes"] and "admin:users" not in role["scopes"]
    assert c.Spawner.environment["CLOSER_AGAIN_GROUP_MODE"] == "1"


def test_hub_config_refuses_an_unknown_place_for_answers(tmp_path, monkeypatch):
    with pytest.raises(SystemExit, match="'home' or 'browser'"):
        load_config_file(DEPLOY / "hub" / "jupyterhub_config.py", monkeypatch=monkeypatch,
                         env={"CLOSER_AGAIN_HUB_DIR": str(tmp_path), "CLOSER_AGAIN_HUB_ANSWERS": "server"})


def test_participants_server_config_turns_off_lab_and_the_mathjax_cdn(monkeypatch):
    from jupyter_server.serverapp import ServerApp
    from jupyter_server.services.kernels.kernelmanager import MappingKernelManager
    from voila.configuration import VoilaConfiguration

    c = load_config_file(DEPLOY / "hub" / "jupyter_server_config.py", monkeypatch=monkeypatch)
    assert unknown_traits(c, {"ServerApp": ServerApp, "VoilaConfiguration": VoilaConfiguration,
                              "MappingKernelManager": MappingKernelManager}) == []
    extensions = c.ServerApp.jpserver_extensions
    assert extensions["voila.server_extension"] is True
    assert not any(extensions[name] for name in ("jupyterlab", "notebook", "jupyter_server_terminals"))
    # without these, Voila inside a Jupyter Server tells the page to fetch MathJax from cdnjs
    assert c.ServerApp.tornado_settings["mathjax_url"] is None
    assert c.ServerApp.tornado_settings["mathjax_config"] is None
    assert c.VoilaConfiguration.template == "closer-again"
    assert c.VoilaConfiguration.show_tracebacks is False


# -- Binder: a demo link only ---------------------------------------------------------

def test_binder_pins_one_exact_python_and_keeps_answers_in_the_tab():
    env = load_yaml(ROOT / "binder" / "environment.yml")
    pythons = [d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert len(pythons) == 1 and re.fullmatch(r"python=3\.\d+\.\d+", pythons[0]), pythons
    start = (ROOT / "binder" / "start").read_text()
    assert start.rstrip().endswith('exec "$@"')
    # mybinder.org is a public service: answers only in the tab (sessionStorage), never on its disk
    assert "CLOSER_AGAIN_GROUP_MODE=1" in start and "CLOSER_AGAIN_GROUP_STORAGE=session" in start
    assert "constraints.txt" in (ROOT / "binder" / "postBuild").read_text()


@pytest.mark.server
def test_binder_start_file_opens_the_dashboard_with_no_cdn(tmp_path):
    """Run the start file as repo2docker does (the repository in HOME) and ask for the first page.

    HOME is a temporary folder that links to the repository's parts, so that the server's own
    files (~/.jupyter, ~/.ipython, ~/.npm) never land in the repository."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "CLOSER_AGAIN_"))}
    home = tmp_path / "home"
    home.mkdir()
    for part in ("binder", "widgets", "notebooks"):
        (home / part).symlink_to(ROOT / part)
    env.update(HOME=str(home), JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_DATA_DIR=str(tmp_path / "data"),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
    cmd = [str(home / "binder" / "start"), sys.executable, "-m", "jupyter", "server", "--no-browser",
           f"--port={port}", "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=demo",
           f"--ServerApp.root_dir={home}"] + (["--allow-root"] if os.geteuid() == 0 else [])
    proc = subprocess.Popen(cmd, cwd=home, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = ""
        deadline = time.time() + 90
        while time.time() < deadline and not page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/?token=demo", timeout=60) as r:  # noqa: S310
                    url, page = r.url, r.read().decode()
            except OSError:
                time.sleep(0.5)
        assert page, "the server did not answer"
        assert url.split("?")[0].endswith("/voila/render/notebooks/00_start_here.ipynb")
        assert "closer-again" in page or "ca-" in page
        assert '"fullMathjaxUrl": null' in page and "cdnjs" not in page
    finally:
        proc.terminate()
        proc.wait(timeout=30)
