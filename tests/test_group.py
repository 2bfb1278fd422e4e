"""Group sessions without a browser: the access code, and the anonymous group pulse."""
from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from widgets import curriculum
from widgets import group as g
from widgets import pulse as p


@pytest.fixture
def group_dir(tmp_path, monkeypatch):
    folder = tmp_path / "facilitator" / "group"
    monkeypatch.setenv("CLOSER_AGAIN_GROUP_DIR", str(folder))
    return folder


# -- the access code ------------------------------------------------------------------

def test_access_codes_are_six_digits_and_differ():
    codes = {g.new_access_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 190


def test_a_code_matches_however_it_is_typed():
    assert g.code_matches("482913", "482913")
    assert g.code_matches(" 482 913 ", "482913")
    assert g.code_matches("482-913", "482913")
    assert not g.code_matches("482914", "482913")
    assert not g.code_matches("", "482913")
    assert not g.code_matches("48291", "482913")
    assert not g.code_matches("anything", "")  # no code configured: nobody gets in
    assert g.pretty_code("482913") == "482 913"


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
    return g.AccessCodeIdentityProvider(code_file=str(code_file))


def test_the_identity_provider_lets_in_only_the_code(tmp_path):
    idp = provider(tmp_path)
    assert idp.token == "482913"
    assert idp.login_handler_class is g.AccessCodeLoginHandler
    assert idp.process_login_form(FakeHandler(code="482 913")) is not None
    assert idp.process_login_form(FakeHandler(code="111111")) is None
    assert idp.process_login_form(FakeHandler()) is None


def test_guessing_is_slowed_down_per_device_and_overall(tmp_path):
    idp = provider(tmp_path)
    for i in range(10):
        assert idp.check(f"{i:06d}", "10.0.0.9") is False
    # this device now waits, even with the right code; another device does not
    assert idp.check("482913", "10.0.0.9") is None
    assert idp.check("482913", "10.0.0.10") is True

    now = [0.0]
    limiter = g.AttemptLimiter(per_device=5, overall=8, window=600, clock=lambda: now[0])
    for ip in ("a", "a", "b", "b", "c", "c", "d", "d"):
        limiter.failed(ip)
    assert limiter.blocked("e")  # too many wrong codes in all
    now[0] = 601
    assert not limiter.blocked("e") and not limiter.blocked("a")


def test_a_missing_code_file_refuses_to_start(tmp_path):
    with pytest.raises(ValueError):
        g.AccessCodeIdentityProvider(code_file="")
    empty = tmp_path / "empty"
    empty.write_text("")
    with pytest.raises(ValueError):
        g.AccessCodeIdentityProvider(code_file=str(empty))


def test_the_group_notebook_adds_the_pulse_and_no_links_away():
    nb = g.group_notebook(1)
    ids = [c.id for c in nb.cells]
    assert ids.index("pulse") == ids.index("who") + 1
    assert "Pulse(1)" in nb.cells[ids.index("pulse")].source
    footer = nb.cells[ids.index("footer")].source
    assert "footer_html" in footer and "page.footer()" not in footer
    assert all(not c.outputs for c in nb.cells if c.cell_type == "code")


def test_every_group_page_ends_with_a_way_to_take_answers_home(journal_file, monkeypatch):
    nb = g.group_notebook(3)
    ids = [c.id for c in nb.cells]
    assert ids.index("journal-tools") == ids.index("footer") - 1
    from IPython.display import display  # noqa: F401 - the cell displays through it

    from widgets import ModulePage
    shown = []
    monkeypatch.setattr("widgets.page.display", lambda obj: shown.append(obj))
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
    assert g.participant_url("192.168.1.20", 8866, "482913") == "http://192.168.1.20:8866/?code=482913"


def test_cli_sends_module_to_the_group_server(monkeypatch):
    from widgets import cli

    called = {}
    monkeypatch.setattr(g, "serve_group", lambda *a: called.setdefault("args", a) and 0)
    cli.main(["serve", "--module", "1", "--group", "12", "--network", "--port", "9000"])
    assert called["args"] == (1, 12, True, 9000)
    assert cli.main(["serve", "--network"]) == 2


def test_qr_codes_are_local_and_carry_the_address():
    uri = g.qr_svg_data_uri("http://127.0.0.1:8866/?code=482913")
    assert uri.startswith("data:image/svg+xml;base64,")
    text = g.qr_terminal("http://127.0.0.1:8866/?code=482913", color=False)
    assert len(text.splitlines()) > 10


# -- the pulse --------------------------------------------------------------------------

def test_polls_take_their_options_from_the_module():
    energy, comfort, nxt = p.polls(1)
    assert energy.options == ("1", "2", "3", "4", "5") and comfort.options == energy.options
    titles = [b["title"] for b in curriculum.module(1).exercises if b["type"] not in ("resources", "journal")]
    assert list(nxt.options) == titles


def test_counts_stay_hidden_below_three_answers(group_dir):
    store = p.PulseStore()
    energy = p.polls(1)[0]
    store.answer(energy.id, "4")
    store.answer(energy.id, "4")
    assert store.results(energy) is None
    assert "at least 3 people" in p.results_html(energy, store.results(energy))
    store.answer(energy.id, "2")
    assert store.results(energy) == {"1": 0, "2": 1, "3": 0, "4": 2, "5": 0}
    assert "3 answers" in p.results_html(energy, store.results(energy))


def test_answering_again_on_one_page_moves_the_vote(group_dir):
    store = p.PulseStore()
    energy = p.polls(1)[0]
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
    store = p.PulseStore()
    energy = p.polls(1)[0]
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
    store = p.PulseStore()
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
    assert p.PulseStore().counts("m1.comfort") == {"5": 1}
    assert "counted" in pulse.card("m1.comfort").status.value


def test_facilitator_dashboard_notebook_is_thin(tmp_path, group_dir):
    from widgets import facilitator_dashboard as fd

    path = fd.write_notebook(tmp_path / "dashboard.ipynb")
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
    store = p.PulseStore()
    energy = p.polls(1)[0]
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
    assert p.PulseStore().counts("m1.energy") == {"4": 1}
    again = p.Pulse(1, refresh_seconds=0)  # the same browser, after a reload
    again.memory.from_browser = kept
    assert again.card("m1.energy").chosen == "4"
    assert p.PulseStore().counts("m1.energy") == {"4": 1}
    again.card("m1.energy").choose("2")
    assert p.PulseStore().counts("m1.energy") == {"2": 1}
