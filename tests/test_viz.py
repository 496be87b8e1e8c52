"""`sim viz`: one world watched day by day (sim.classroom.watch) and its app (sim.classroom.app)."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from sim import cli
from sim.classroom.trace import trace_world
from sim.classroom.watch import KNOBS, SETTINGS_VARIABLE, WatchedWorld
from sim.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SUMMIT = str(ROOT / "scenarios" / "summit.yaml")
SANCTIONS = str(ROOT / "scenarios" / "sanctions.yaml")


def _days(model_or_trace) -> list:
    return [(d.day, d.entries, d.state) for d in model_or_trace.days]


def _finished(**settings) -> WatchedWorld:
    model = WatchedWorld(SUMMIT, **settings)
    model.run_to_horizon()
    return model


def test_knobs_left_where_the_file_puts_them_give_the_files_world():
    model = _finished(seed=3, world=12, **{k.name: k.start(load_scenario(SUMMIT)) for k in KNOBS})
    assert model.changes == []
    traced = trace_world(load_scenario(SUMMIT), seed=3, world=12)
    assert _days(model) == _days(traced)
    assert model.outcome() == traced.outcome


def test_a_moved_knob_is_the_set_it_names_and_changes_the_world():
    model = _finished(seed=3, world=12, coercer_weakness_aversion=0.95, framing_weight=0.1)
    assert model.changes == ["actors.usa.weakness_aversion=0.95", "blame.framing_weight=0.1"]
    assert model.spec == load_scenario(SUMMIT, model.changes)
    assert _days(model) == _days(trace_world(model.spec, seed=3, world=12))
    assert _days(model) != _days(_finished(seed=3, world=12))


def test_a_knob_left_at_the_mean_of_a_drawn_field_keeps_the_draw():
    drawn = ["actors.usa.weakness_aversion={dist: beta, a: 2, b: 2}"]
    model = WatchedWorld(
        SUMMIT, seed=1, world=5, base_overrides=drawn, coercer_weakness_aversion=0.5
    )
    assert model.changes == []
    value = model.actor_params[model.roles.coercer].weakness_aversion[model.row]
    assert 0 < value < 1 and round(float(value), 3) != 0.5
    moved = WatchedWorld(
        SUMMIT, seed=1, world=5, base_overrides=drawn, coercer_weakness_aversion=0.6
    )
    assert moved.changes == ["actors.usa.weakness_aversion=0.6"]
    assert moved.actor_params[moved.roles.coercer].weakness_aversion == 0.6


@pytest.mark.parametrize(("setting", "sincere"), [("sincere", True), ("stalling", False)])
def test_the_aggressor_type_setting_fixes_the_private_type(setting, sincere):
    drawn = [bool(WatchedWorld(SUMMIT, seed=2, world=w).state.sincere[w]) for w in range(60)]
    assert 0 < sum(drawn) < 60  # as drawn: both types occur
    chosen = [
        bool(WatchedWorld(SUMMIT, seed=2, world=w, aggressor_type=setting).state.sincere[w])
        for w in range(60)
    ]
    assert chosen == [sincere] * 60


def test_an_unknown_aggressor_type_is_refused():
    with pytest.raises(ValueError, match="aggressor_type: expected one of as drawn, sincere"):
        WatchedWorld(SUMMIT, aggressor_type="hawkish")


def test_the_command_shown_narrates_the_same_world():
    model = _finished(seed=4, world=7, summit_forgiveness=0.2, aggressor_type="sincere")
    words = shlex.split(model.command())
    assert words[:2] == ["sim", "trace"]
    result = CliRunner().invoke(cli.app, words[1:])
    assert result.exit_code == 0, result.output
    assert f"Outcome at day 120: {model.outcome()['outcome']} (aggressor sincere" in result.output
    sets = [words[i + 1] for i, word in enumerate(words) if word == "--set"]
    assert load_scenario(words[2], sets) == model.spec


def test_the_watched_world_is_its_row_among_the_ensemble():
    model = _finished(seed=5, world=321, coercer_credulity=0.9)
    row = model.ensemble().worlds.iloc[321]
    outcome = model.outcome()
    assert row["world"] == 321
    for column in ("outcome", "day_summit", "day_sanctions", "territory_change", "casualties"):
        assert row[column] == outcome[column] or (np.isnan(row[column]) and outcome[column] is None)
    assert model.ensemble() is model.ensemble()  # run once, kept


# --- the app ---------------------------------------------------------------------------------


def _render(**settings):
    solara = pytest.importorskip("solara")
    from sim.classroom.app import page

    @solara.component
    def harness():
        with solara.AppLayout():
            page(**settings)

    return solara.render(harness(), handle_error=False)[1]


def _cards(rc) -> list[str]:
    """The situation and log cards' text, without their markup."""
    from solara.widgets import HTML

    texts = []
    for card in ("sim-situation-text", "sim-log-text"):
        html = rc.find(HTML, attributes={"class": f"sim-card {card}"}).widget.unsafe_innerHTML
        texts.append(re.sub(r"<[^>]+>", "", html))
    return texts


def _slider(rc, label: str):
    import ipyvuetify as v

    (slider,) = [w for w in rc.find(v.Slider).widgets if w.label.startswith(label + ": ")]
    return slider


def test_the_app_steps_one_day_per_click_and_narrates_it():
    import ipyvuetify as v

    rc = _render(scenario_file=SUMMIT, seed=3, world=12)
    situation, log = _cards(rc)
    assert "Before day 0" in situation and "Nothing yet" in log
    step = rc.find(v.Btn, children=["Step"]).widget
    for _ in range(10):
        step.click()
    situation, log = _cards(rc)
    traced = trace_world(load_scenario(SUMMIT), seed=3, world=12)
    assert "Day 9" in situation and "(2025-08-16)" in situation
    assert f"{traced.days[9].state['territory_pct']:.2f} %" in situation
    assert "sim trace " + SUMMIT + " --seed 3 --world 12" in situation
    assert "the summit is held" in log  # day 8 of this world


def test_reset_rebuilds_the_world_with_the_sliders_settings():
    import ipyvuetify as v

    rc = _render(scenario_file=SUMMIT, seed=3, world=12)
    _slider(rc, KNOBS[0].label).v_model = 0.95
    assert _slider(rc, KNOBS[0].label).label == f"{KNOBS[0].label}: 0.95"
    rc.find(v.Select, label="Aggressor's private type").widget.v_model = "sincere"
    rc.find(v.Btn, children=["Reset"]).widget.click()
    situation, _ = _cards(rc)
    assert "actors.usa.weakness_aversion=0.95" in situation
    assert "privately sincere" in situation


def test_the_app_serves_the_settings_sim_viz_hands_it(monkeypatch):
    solara = pytest.importorskip("solara")
    from sim.classroom.app import Page

    settings = {"scenario_file": SANCTIONS, "seed": 2, "world": 40, "base_overrides": []}
    monkeypatch.setenv(SETTINGS_VARIABLE, json.dumps(settings))

    @solara.component
    def harness():
        with solara.AppLayout():
            Page()

    situation, _ = _cards(solara.render(harness(), handle_error=False)[1])
    assert load_scenario(SANCTIONS).name in situation
    assert "world 40, seed 2" in situation


def test_the_app_refuses_a_world_beyond_its_ensemble():
    pytest.importorskip("solara")
    from sim.classroom.app import page

    with pytest.raises(ValueError, match="world: expected 0 to 1999, got 2000"):
        page(SUMMIT, world=2000)


def test_the_figures_show_the_path_so_far_and_place_the_world_when_it_ends():
    pytest.importorskip("solara")
    from sim.classroom.app import among_figure, path_figure, territory_change

    model = WatchedWorld(SUMMIT, seed=3, world=12)
    for _ in range(30):
        model.step()
    axes = path_figure(model).axes
    assert len(axes) == 4 and all(len(line.get_xdata()) == 30 for line in axes[0].lines)
    assert "joins the figures\nwhen it gets there" in among_figure(model).axes[0].get_title()
    model.run_to_horizon()
    top, bottom = among_figure(model).axes
    assert top.get_title().endswith(f"ended in {model.outcome()['outcome'].replace('_', ' ')}")
    marker = bottom.lines[-1]
    assert marker.get_xdata()[0] == pytest.approx(territory_change(model))
    assert territory_change(model) == pytest.approx(model.outcome()["territory_change"])


# --- the command -----------------------------------------------------------------------------


def _viz(*args: str, monkeypatch=None):
    served = {}
    if monkeypatch is not None:
        monkeypatch.setattr(cli, "_serve", lambda argv, env: served.update(argv=argv, env=env))
    result = CliRunner().invoke(cli.app, ["viz", *args])
    return result, served


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.yaml"], "missing.yaml"),
        ([SUMMIT, "--world", "2000"], "--world: expected a world index from 0 to 1,999"),
        ([SUMMIT, "--seed", "-1"], "--seed: expected a seed >= 0"),
        ([SUMMIT, "--port", "0"], "--port: expected a port from 1 to 65535"),
        (
            [SUMMIT, "--host", "no-such-host.invalid"],
            "--host: cannot serve on no-such-host.invalid",
        ),
        ([SUMMIT, "--set", "actors.usa.credulity=2"], "actors.usa.credulity"),
    ],
)
def test_bad_viz_options_get_one_line_and_exit_2(args, message, monkeypatch):
    result, served = _viz(*args, monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert message in result.output and result.output.count("\n") == 1
    assert not served


def test_viz_refuses_a_port_in_use_before_starting(monkeypatch):
    with socket.socket() as busy:
        busy.bind(("localhost", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result, served = _viz(SUMMIT, "--port", port, monkeypatch=monkeypatch)
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert f"--port: cannot serve on localhost:{port}" in result.output
    assert not served


def test_viz_without_solara_says_how_to_install_it(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "solara" else real(name, *a)
    )
    result, served = _viz(SUMMIT, monkeypatch=monkeypatch)
    assert result.exit_code == 2 and 'pip install -e ".[viz]"' in result.output
    assert not served


def test_viz_hands_its_settings_to_solara(monkeypatch):
    override = "actors.usa.credulity=0.8"
    result, served = _viz(
        SUMMIT, "--seed", "3", "--world", "12", "--set", override, "--port", "8799",
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert served["argv"][1:] == [
        "-m", "solara", "run", "sim.classroom.app", "--port", "8799", "--host", "localhost",
        "--no-check-version",
    ]  # fmt: skip
    assert "ignore:Cookies with samesite=none" in served["env"]["PYTHONWARNINGS"]
    settings = json.loads(served["env"][SETTINGS_VARIABLE])
    assert settings == {
        "scenario_file": SUMMIT, "base_overrides": [override], "seed": 3, "world": 12,
    }  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


def test_sim_viz_starts_a_web_server(tmp_path):
    pytest.importorskip("solara")
    port = _free_port()
    command = [sys.executable, "-m", "sim.cli", "viz", SUMMIT, "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/", timeout=5) as page:
                    html = page.read().decode()
                    break
            except OSError:
                assert server.poll() is None, "the server exited"
                assert time.monotonic() < deadline, "no answer in 90 s"
                time.sleep(0.5)
        # The browser's files come from the server itself, so the page works offline too.
        files = re.findall(r'(?:src|href)="(/_solara/cdn/[^"]+)"', html)
        assert len(files) >= 4
        for file in files:
            with urllib.request.urlopen(f"http://localhost:{port}{file}", timeout=60) as got:
                assert got.status == 200 and got.read(), file
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert f"Serving {SUMMIT} at http://localhost:{port}" in server.stdout.read()
