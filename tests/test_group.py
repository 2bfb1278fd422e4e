"""Group sessions without a browser: the access code, and the anonymous group pulse."""
from __future__ import annotations

import html
import os
import sqlite3
import stat
import time

import pytest

from widgets import cli, curriculum
from widgets.authoring import group_notebooks
from widgets.group import access as access_module
from widgets.group import kernels, processes, qr
from widgets.group import pulse as p
from widgets.group import serve as serve_module
from widgets.group import session as g
from widgets.storage import pulse_store


@pytest.fixture
def group_dir(tmp_path, monkeypatch):
    folder = tmp_path / "facilitator" / "group"
    monkeypatch.setenv("CLOSER_AGAIN_GROUP_DIR", str(folder))
    return folder


# -- the access code ------------------------------------------------------------------

def test_access_codes_are_six_digits_and_differ():
    codes = {access_module.new_access_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 190


def test_a_code_matches_however_it_is_typed():
    assert access_module.code_matches("482913", "482913")
    assert access_module.code_matches(" 482 913 ", "482913")
    assert access_module.code_matches("482-913", "482913")
    assert not access_module.code_matches("482914", "482913")
    assert not access_module.code_matches("", "482913")
    assert not access_module.code_matches("48291", "482913")
    assert not access_module.code_matches("anything", "")  # no code configured: nobody gets in
    assert access_module.pretty_code("482913") == "482 913"


class FakeRequest:
    def __init__(self, ip):
        self.remote_ip = ip


class FakeHandler:
    def __init__(self, ip="10.0.0.5", **args):
        import logging

        self.request = FakeRequest(ip)
        self.args = args
        self.log = logging.getLogger("test")

    def get_argument(self, name, default=""):
        return self.args.get(name, default)


def provider(tmp_path):
    code_file = tmp_path / "code"
    code_file.write_text("482913")
    return access_module.AccessCodeIdentityProvider(code_file=str(code_file))


def run(coro):
    import asyncio

    return asyncio.run(coro)


def test_the_identity_provider_lets_in_only_the_code(tmp_path):
    idp = provider(tmp_path)
    assert idp.token == "482913"
    assert idp.login_handler_class is access_module.AccessCodeLoginHandler
    assert run(idp.log_in(FakeHandler(code="482 913"))) is not None
    assert run(idp.log_in(FakeHandler(code="111111"))) is None
    assert run(idp.log_in(FakeHandler())) is None


def slow_provider(tmp_path):
    """The provider with a fake clock: its waits are recorded and pass at once."""
    idp = provider(tmp_path)
    now = [0.0]
    waits = []

    async def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    idp.limiter.clock = lambda: now[0]
    idp.sleep = sleep
    return idp, now, waits


def test_guessing_is_slowed_down_per_device_and_a_device_can_be_limited(tmp_path):
    idp, now, waits = slow_provider(tmp_path)
    for i in range(5):  # fingers slip: the first wrong codes cost nothing
        assert run(idp.check(f"{i:06d}", "10.0.0.9")) is False
    assert waits == []
    assert run(idp.check("000009", "10.0.0.9")) is False
    assert run(idp.check("000010", "10.0.0.9")) is False
    assert waits == [2.0, 4.0]  # then each try waits longer, and is still checked
    # the right code, typed on that slowed device, gets in after its wait
    assert run(idp.check("482913", "10.0.0.9")) is True
    assert waits[-1] == 8.0
    # a device that keeps guessing reaches its own limit and waits out the window
    for i in range(access_module.AttemptLimiter().per_device):
        run(idp.check(f"{100 + i:06d}", "10.0.0.66"))
    assert run(idp.check("482913", "10.0.0.66")) is None
    now[0] += 601
    assert run(idp.check("482913", "10.0.0.66")) is True


def test_ten_devices_typing_wrong_codes_never_keep_out_the_right_code(tmp_path):
    idp, now, waits = slow_provider(tmp_path)
    devices = [f"192.168.1.{10 + d}" for d in range(10)]
    for round_ in range(30):  # every device types wrong codes until it is refused
        for d in devices:
            run(idp.check(f"{round_:03d}{devices.index(d):03d}", d))
    assert all(run(idp.check("482913", d)) is None for d in devices)  # each of them is limited
    waits.clear()
    assert run(idp.check("482 913", "192.168.1.50")) is True  # a participant with the right code
    assert waits == []  # gets in at once
    assert run(idp.check("482913", "192.168.1.51")) is True


def test_tries_sent_all_at_once_from_one_device_queue_one_behind_the_other():
    now = [0.0]
    limiter = access_module.AttemptLimiter(free=1, longest=30, clock=lambda: now[0])
    limiter.failed("a")  # one wrong code: two seconds between tries now
    first, second, third = (limiter.wait_before_try("a") for _ in range(3))
    assert first == 2.0 and second > first and third > second
    assert limiter.wait_before_try("b") == 0.0  # other devices are not held up


def test_a_missing_code_file_refuses_to_start(tmp_path):
    with pytest.raises(ValueError):
        access_module.AccessCodeIdentityProvider(code_file="")
    empty = tmp_path / "empty"
    empty.write_text("")
    with pytest.raises(ValueError):
        access_module.AccessCodeIdentityProvider(code_file=str(empty))


def test_the_group_notebook_adds_the_pulse_and_no_links_away():
    nb = group_notebooks.group_notebook(1)
    ids = [c.id for c in nb.cells]
    assert ids.index("pulse") == ids.index("who") + 1
    assert "Pulse(1)" in nb.cells[ids.index("pulse")].source
    footer = nb.cells[ids.index("footer")].source
    assert "footer_html" in footer and "page.footer()" not in footer
    assert all(not c.outputs for c in nb.cells if c.cell_type == "code")


def test_every_group_page_ends_with_a_way_to_take_answers_home(journal_file, monkeypatch):
    nb = group_notebooks.group_notebook(3)
    ids = [c.id for c in nb.cells]
    assert ids.index("journal-tools") == ids.index("footer") - 1
    from IPython.display import display  # noqa: F401 - the cell displays through it

    from widgets import ModulePage
    shown = []
    monkeypatch.setattr("widgets.kit.page.display", lambda obj: shown.append(obj))
    page = ModulePage(3, journal_path=str(journal_file))
    page.journal_tools()
    assert [type(x).__name__ for x in shown] == ["JournalTools"]


def test_participant_command_binds_localhost_unless_asked(tmp_path):
    cmd = g.participant_command(tmp_path / "nb.ipynb", 8866, "127.0.0.1", 20, tmp_path / "code")
    assert "--Voila.ip=127.0.0.1" in cmd
    assert "--VoilaConfiguration.preheat_kernel=True" in cmd
    assert "--VoilaConfiguration.default_pool_size=20" in cmd
    assert "--VoilaConfiguration.show_tracebacks=False" in cmd
    assert "--MappingKernelManager.cull_connected=False" in cmd
    assert "--Voila.port_retries=0" in cmd  # this port or none: the printed link is the one that works
    assert g.participant_url("192.168.1.20", 8866, "482913") == "http://192.168.1.20:8866/?code=482913"


def test_the_facilitator_dashboard_server_ends_kernels_of_closed_tabs_too():
    cmd = g.facilitator_command(8867)
    assert "--Voila.ip=127.0.0.1" in cmd and "--Voila.port_retries=0" in cmd
    assert f"--MappingKernelManager.cull_idle_timeout={kernels.CULL_IDLE_TIMEOUT}" in cmd
    assert "--MappingKernelManager.cull_connected=False" in cmd
    # its pages get the _xsrf cookie, so a closing tab's own end-this-kernel request is accepted
    assert "--Voila.identity_provider_class=widgets.group.access.DashboardIdentityProvider" in cmd
    assert issubclass(access_module.DashboardIdentityProvider, access_module.XsrfCookieMixin)
    assert issubclass(access_module.AccessCodeIdentityProvider, access_module.XsrfCookieMixin)


def test_a_kernel_handed_to_a_slow_phone_is_kept_until_its_page_connects(monkeypatch):
    """The culler must not end a kernel whose page is still on its way (CI saw a page never load)."""
    import asyncio

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    culled: list[str] = []

    async def cull_as_usual(self, kernel_id):
        culled.append(kernel_id)

    monkeypatch.setattr(AsyncMappingKernelManager, "cull_kernel_if_idle", cull_as_usual)
    clock = [1000.0]
    monkeypatch.setattr(kernels.time, "monotonic", lambda: clock[0])
    manager = kernels.GroupKernelManager(cull_idle_timeout=8)
    manager._kernel_connections["slow"] = 0
    manager._kernel_connections["seen"] = 0

    def cull_pass(seconds_later: float) -> list[str]:
        clock[0] += seconds_later
        culled.clear()
        for kernel_id in ("slow", "seen"):
            asyncio.run(manager.cull_kernel_if_idle(kernel_id))
        return sorted(culled)

    assert manager.unconnected_grace == kernels.UNCONNECTED_GRACE_MIN
    assert cull_pass(0) == []
    manager.notify_connect("seen")           # this page's browser connected ...
    manager.notify_disconnect("seen")        # ... and left: the usual idle rule decides
    assert cull_pass(1) == ["seen"]
    # the page whose browser has not connected yet keeps its kernel for the whole grace ...
    assert cull_pass(kernels.UNCONNECTED_GRACE_MIN - 2) == ["seen"]
    # ... and a page that never arrives still has its kernel ended after it
    assert cull_pass(2) == ["seen", "slow"]


def test_a_busy_port_is_seen_and_the_next_free_pair_is_chosen():
    import socket

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        assert not g.port_is_free(port)
        chosen = g.free_pair_from(port)
        assert chosen is not None and chosen != port
        assert g.port_is_free(chosen) and g.port_is_free(chosen + 1)
        before = g.free_pair_from(port - 1)  # the facilitator's port (the next one) is busy: move on
        assert before not in (port - 1, port)
    finally:
        busy.close()


def test_a_crashed_session_s_processes_are_found_and_ended(group_dir, tmp_path):
    import json
    import subprocess
    import sys
    import time

    group_dir.mkdir(parents=True)
    env = dict(os.environ, CLOSER_AGAIN_GROUP_DIR=str(group_dir), CLOSER_AGAIN_GROUP_SESSION="old1")
    # a "server" left behind by a session whose command was killed
    left = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], env=env)
    try:
        (group_dir / "session.json").write_text(json.dumps({"owner": 999999999, "session": "old1", "module": 1}))
        (group_dir / "session").mkdir()
        (group_dir / "session" / "access-code").write_text("123456")
        kind, info = g.leftover_session()
        assert kind == "crashed" and info["session"] == "old1"
        assert left.pid in processes.session_processes(folder=group_dir)
        g.end_leftover_session()
        assert left.wait(timeout=15) is not None
        assert not (group_dir / "session.json").exists()
        assert not (group_dir / "session" / "access-code").exists()
        assert g.leftover_session() == ("", {})
    finally:
        left.kill()


def test_a_session_still_running_in_another_window_is_reported_not_ended(group_dir):
    import json

    group_dir.mkdir(parents=True)
    # the owner: a live process whose command line names the package, as `widgets.cli serve` does
    import subprocess
    import sys
    import time

    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "widgets.cli"])
    deadline = time.time() + 10
    while time.time() < deadline and not g._is_closer_again(other.pid):  # its command line is there once it runs
        time.sleep(0.05)
    try:
        (group_dir / "session.json").write_text(json.dumps({"owner": other.pid, "module": 3,
                                                             "url": "http://127.0.0.1:8866/?code=1"}))
        kind, info = g.leftover_session()
        assert kind == "running" and info["module"] == 3
        assert other.poll() is None
    finally:
        other.kill()


def test_cli_sends_module_to_the_group_server(monkeypatch):
    from widgets import cli

    called = {}
    monkeypatch.setattr(cli, "serve_group", lambda *a: called.setdefault("args", a) and 0)
    cli.main(["serve", "--module", "1", "--group", "12", "--network", "--port", "9000"])
    assert called["args"] == (1, 12, True, 9000)
    assert cli.main(["serve", "--network"]) == 2


def test_qr_codes_are_local_and_carry_the_address():
    uri = qr.qr_svg_data_uri("http://127.0.0.1:8866/?code=482913")
    assert uri.startswith("data:image/svg+xml;base64,")
    text = qr.qr_terminal("http://127.0.0.1:8866/?code=482913", color=False)
    assert len(text.splitlines()) > 10


# -- browser storage that tells the truth ------------------------------------------------

def test_a_refused_browser_write_is_reported_kept_in_memory_and_tried_again():
    from widgets.storage.browser import BrowserJournal

    journal = BrowserJournal()
    heard = []
    journal.on_store_result.append(heard.append)
    journal.shared().put("m01/x/a", "kept in memory")
    sent = journal.store.to_browser
    assert "kept in memory" in sent
    journal.store.store_result = "refused:1"  # what the page reports when setItem throws
    journal.store.store_result = "refused:2"
    assert heard == [False, False] and journal.stored is False
    assert journal.shared().get("m01/x/a") == "kept in memory"
    retry = journal.store.retry
    journal.retry_store()
    assert journal.store.retry == retry + 1 and journal.store.to_browser == sent
    journal.store.store_result = "stored:3"
    journal.store.store_result = "stored:4"
    assert heard == [False, False, True] and journal.stored is True


def test_a_card_says_not_stored_instead_of_saved_while_the_browser_refuses(monkeypatch):
    from widgets import ModulePage

    monkeypatch.setenv("CLOSER_AGAIN_GROUP_MODE", "1")
    page = ModulePage(1)
    card = page.exercise(page.module.exercises[0]["id"])
    page.set_active("a")
    card.status.show_saved("2026-01-01T10:04:00")
    page.journal.store.store_result = "refused:1"
    assert card.status.value == html.escape(curriculum.text("saved.not_stored"))
    assert "Saved at" not in card.status.value and "ca-saved-failed" in card.status._dom_classes
    page.journal.store.store_result = "stored:2"
    assert card.status.value.startswith("Saved at ")
    assert "ca-saved-failed" not in card.status._dom_classes


def test_pages_on_the_facilitator_s_laptop_say_exactly_what_its_browser_keeps(monkeypatch):
    from IPython.display import HTML  # noqa: F401

    from widgets.storage import browser as bj

    nb = group_notebooks.group_notebook(4)
    ids = [c.id for c in nb.cells]
    assert ids.index("storage-note") == ids.index("page") + 1
    shown = []
    monkeypatch.setattr(bj, "display", lambda obj: shown.append(obj))
    monkeypatch.setenv(bj.STORAGE_ENV, "session")  # no --network: this computer's own browser
    bj.show_storage_note()
    note = html.unescape(shown[0].data)
    assert "facilitator's computer" in note and "private (incognito) window" in note
    assert "Erase everything (both of us)" in note and "site data" in note
    shown.clear()
    monkeypatch.setenv(bj.STORAGE_ENV, "local")  # participants' own phones
    bj.show_storage_note()
    assert shown == []


# -- the pulse --------------------------------------------------------------------------

def test_polls_take_their_options_from_the_module():
    energy, comfort, nxt = pulse_store.polls(1)
    assert energy.options == ("1", "2", "3", "4", "5") and comfort.options == energy.options
    titles = [b["title"] for b in curriculum.module(1).exercises if b["type"] not in ("resources", "journal")]
    assert list(nxt.options) == titles


def test_counts_stay_hidden_below_three_answers(group_dir):
    store = pulse_store.PulseStore()
    energy = pulse_store.polls(1)[0]
    store.answer(energy.id, "4")
    store.answer(energy.id, "4")
    assert store.results(energy) is None
    assert "at least 3 people" in p.results_html(energy, store.results(energy))
    store.answer(energy.id, "2")
    assert store.results(energy) == {"1": 0, "2": 1, "3": 0, "4": 2, "5": 0}
    assert "3 answers" in p.results_html(energy, store.results(energy))


def test_answering_again_on_one_page_moves_the_vote(group_dir):
    store = pulse_store.PulseStore()
    energy = pulse_store.polls(1)[0]
    card = p.PollCard(energy, store)
    others = [p.PollCard(energy, store) for _ in range(2)]
    for other in others:
        other.choose("3")
    card.choose("1")
    card.choose("5")
    card.choose("5")
    assert store.counts(energy.id) == {"3": 2, "5": 1}
    card.refresh()
    assert "3 answers" in card.results.value


def test_reset_clears_and_old_answers_do_not_go_negative(group_dir):
    store = pulse_store.PulseStore()
    energy = pulse_store.polls(1)[0]
    cards = [p.PollCard(energy, store) for _ in range(3)]
    for c in cards:
        c.choose("4")
    assert store.results(energy)["4"] == 3
    results = p.PulseResults(1, store, refresh_seconds=0)
    results.reset_button.click()
    assert results.confirm_button.layout.display == ""
    results.confirm_button.click()
    assert store.counts(energy.id) == {}
    assert "at least 3 people" in results.boxes[energy.id].value
    # a page that answered before the reset: its change now counts as a new answer
    cards[0].choose("2")
    assert store.counts(energy.id) == {"2": 1}


def test_the_pulse_file_holds_only_anonymous_counts(group_dir):
    store = pulse_store.PulseStore()
    assert store.path == group_dir / "pulse.sqlite3"
    for option in ("1", "5", "3", "3"):
        store.answer("m1.energy", option)
    store.answer("m1.next", "Today's check-in")
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    db = sqlite3.connect(store.path)
    tables = {name: [col[1] for col in db.execute(f"PRAGMA table_info({name})")]
              for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"counts": ["poll", "option", "count"], "shown": ["poll", "option", "count"],
                      "meta": ["key", "value"]}
    # no hidden row order either: rows come back sorted by poll and option, whatever the answer order
    assert db.execute("SELECT * FROM counts").fetchall() == [
        ("m1.energy", "1", 1), ("m1.energy", "3", 2), ("m1.energy", "5", 1), ("m1.next", "Today's check-in", 1)]
    with pytest.raises(sqlite3.OperationalError):
        db.execute("SELECT rowid FROM counts")
    assert db.execute("SELECT * FROM meta").fetchall() == [  # numbers of answers, never who or when
        ("changes:m1.energy", 4), ("changes:m1.next", 1), ("generation", 0)]
    db.close()
    assert sorted(x.name for x in group_dir.iterdir()) == ["pulse.sqlite3"]  # no journal, no log, no temp file


def test_the_participant_pulse_shows_three_polls(group_dir):
    pulse = p.Pulse(1, refresh_seconds=0)
    assert [c.poll.id for c in pulse.cards] == ["m1.energy", "m1.comfort", "m1.next"]
    pulse.card("m1.comfort").choose("5")
    assert pulse_store.PulseStore().counts("m1.comfort") == {"5": 1}
    assert "counted" in pulse.card("m1.comfort").status.value


def test_facilitator_dashboard_notebook_is_thin(tmp_path, group_dir):
    from widgets.authoring import group_notebooks as group_notebooks_module
    from widgets.group import dashboard as fd

    path = group_notebooks_module.write_notebook(tmp_path / "dashboard.ipynb")
    import nbformat

    nb = nbformat.read(path, as_version=4)
    assert all(len(c.source.splitlines()) <= 4 for c in nb.cells)
    assert "Anyone can pass" in fd.ground_rules_html()
    dash = fd.FacilitatorDashboard(1)
    assert "No group session is running" in dash.join_html()
    agenda = dash.agenda
    assert [t.segment for t in agenda.timers] == list(curriculum.module(1).segments)
    agenda.current = 0
    agenda.tick(61)
    assert "8:59" in agenda.timers[0].clock.value and "time left" in agenda.timers[0].clock.value
    agenda.tick(600)
    assert "Time is up" in agenda.timers[0].clock.value


def test_shown_totals_move_on_only_in_steps_of_three_so_no_single_choice_shows(group_dir):
    store = pulse_store.PulseStore()
    energy = pulse_store.polls(1)[0]
    for option in ("4", "4", "2"):
        store.answer(energy.id, option)
    assert store.results(energy) == {"1": 0, "2": 1, "3": 0, "4": 2, "5": 0}
    store.answer(energy.id, "5")  # a fourth person taps: the totals do not move yet
    assert store.results(energy) == {"1": 0, "2": 1, "3": 0, "4": 2, "5": 0}
    store.answer(energy.id, "1")
    assert store.results(energy)["5"] == 0
    store.answer(energy.id, "1")  # three new answers since: now all of them show at once
    assert store.results(energy) == {"1": 2, "2": 1, "3": 0, "4": 2, "5": 1}


def test_a_reloaded_page_moves_its_vote_instead_of_adding_one(group_dir):
    first = p.Pulse(1, refresh_seconds=0)
    first.card("m1.energy").choose("4")
    kept = first.memory.to_browser  # what the browser keeps
    assert pulse_store.PulseStore().counts("m1.energy") == {"4": 1}
    again = p.Pulse(1, refresh_seconds=0)  # the same browser, after a reload
    again.memory.from_browser = kept
    assert again.card("m1.energy").chosen == "4"
    assert pulse_store.PulseStore().counts("m1.energy") == {"4": 1}
    again.card("m1.energy").choose("2")
    assert pulse_store.PulseStore().counts("m1.energy") == {"2": 1}


def test_ready_is_said_only_when_the_pool_is_full_and_otherwise_how_many_are(group_dir, tmp_path, capsys):
    import threading

    class Server:
        def __init__(self):
            self.polls = 0

        def poll(self):
            self.polls += 1
            return None if self.polls < 3 else 1  # runs a moment, then stops (ends this test)

    class SlowPool:
        """A session whose pool never fills in time (a busy laptop)."""

        module = curriculum.module(1)
        group = 3
        port = g.free_port_pair()
        bind_ip = "127.0.0.1"
        url = f"http://127.0.0.1:{port}/?code=482913"
        code = "482913"
        facilitator_url = f"http://127.0.0.1:{port + 1}/"
        stop_requested = threading.Event()

        def __init__(self):
            self.participants = Server()
            self.stopped = False

        def start(self):
            pass

        def wait_for_pool(self, timeout, tick=None):
            return False

        def pool(self):
            return {"warm": 1}

        def _pause(self, seconds):
            pass

        def stop(self):
            self.stopped = True

    session = SlowPool()
    serve_module._run(session, network=False, log_file=tmp_path / "group.log")
    out = capsys.readouterr().out
    assert " ready." not in out
    assert "Only 1 of 3 pages are ready" in out and "The session works" in out
    assert session.stopped and "Session ended" in out


def test_ctrl_c_reaches_a_session_waiting_on_its_stop_flag_without_ever_hanging():
    """The Ctrl+C handler sets the flag while the main thread waits on it, thousands of times.

    A ``threading.Event`` set from a signal handler can deadlock on its own lock (CI saw a
    closed terminal window leave a session hanging); the session's flag takes no lock.
    """
    import signal

    flag = g.SignalSafeFlag()
    caught = []

    def on_signal(signum, frame):
        caught.append(signum)
        flag.set()

    previous = signal.signal(signal.SIGALRM, on_signal)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.0003, 0.0003)  # a signal every 0.3 ms
        started = time.monotonic()
        waits = []
        while time.monotonic() - started < 1.5:
            flag._set = False
            waits.append(flag.wait(1))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, previous)
    assert len(caught) > 500 and len(waits) > 10
    assert all(waits), "every wait saw the flag the handler set"
    assert not g.SignalSafeFlag().wait(0.1), "an unset flag waits out its time and says so"


def test_every_server_talks_to_its_kernels_through_files_not_tcp_ports(tmp_path):
    """A random kernel port can be taken by another connection while twenty kernels start: the
    kernel is restarted elsewhere and Voila, still sending to the old port, froze the server."""
    for cmd in (g.participant_command(tmp_path / "nb.ipynb", 8866, "0.0.0.0", 20, tmp_path / "code"),
                g.facilitator_command(8867), cli.voila_command(8866)):
        assert "--KernelManager.transport=ipc" in cmd
