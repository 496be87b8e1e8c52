"""Scenario discovery (issue 21): the --where grammar, a planted box recovered by PRIM, the same
boxes for any number of workers, the folder it writes, and bad input.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.experiments import discovery
from sim.experiments.query import QueryError, kinds_of, parse
from sim.output.saved import ResultsFolderError
from tests.conftest import SCENARIOS

pytest.importorskip("ema_workbench", reason="scenario discovery needs the explore extra")

SUMMIT = SCENARIOS / "summit.yaml"
FEW = ["actors.usa.belief_prior", "actors.usa.credulity", "actors.usa.weakness_aversion",
       "economy.sanctions_success", "blame.sanctions_weight"]  # fmt: skip

WORLDS = pd.DataFrame(
    {
        "outcome": ["settlement", "paralysis", "sanctions", "settlement", "partial_ceasefire"],
        "day_sanctions": [np.nan, np.nan, 9.0, 20.0, 14.0],
        "casualties": [10.0, 20.0, 30.0, 40.0, 50.0],
        "sanctions_bite": [False, False, True, True, False],
    }
)
KINDS = kinds_of(WORLDS)
VALUES = {"outcome": ("settlement", "partial_ceasefire", "sanctions", "paralysis")}

# --- the grammar --------------------------------------------------------------------------------

MEANINGS = [
    ('outcome == "settlement"', [1, 0, 0, 1, 0]),
    ('outcome != "settlement"', [0, 1, 1, 0, 1]),
    ("day_sanctions <= 14", [0, 0, 1, 0, 1]),
    ("14 >= day_sanctions", [0, 0, 1, 0, 1]),  # a value on the left reads mirrored
    ("14 > day_sanctions", [0, 0, 1, 0, 0]),
    ("10 <= day_sanctions <= 20", [0, 0, 0, 1, 1]),
    ('outcome in ("sanctions", "paralysis")', [0, 1, 1, 0, 0]),
    ('outcome not in ["sanctions", "paralysis"]', [1, 0, 0, 1, 1]),
    ('outcome == "settlement" and casualties > 15', [0, 0, 0, 1, 0]),
    ('not (outcome == "settlement" or casualties >= 30)', [0, 1, 0, 0, 0]),
    ("sanctions_bite == True", [0, 0, 1, 1, 0]),
    ("casualties > -1", [1, 1, 1, 1, 1]),
]


@pytest.mark.parametrize(("text", "expected"), MEANINGS, ids=[m[0] for m in MEANINGS])
def test_a_condition_means_what_it_says(text, expected) -> None:
    assert parse(text, KINDS, VALUES).mask(WORLDS).astype(int).tolist() == expected


REFUSED = [
    ('outcom == "settlement"', "no column 'outcom' in the worlds table (did you mean 'outcome'?)"),
    ('outcome == "setlement"', "outcome is never 'setlement' (did you mean 'settlement'?)"),
    ("outcome == 3", "outcome holds text; compare it with a quoted string"),
    ('casualties == "many"', "casualties holds numbers"),
    ('outcome < "z"', "use ==, !=, in or not in"),
    ('__import__("os").system("true")', "is not allowed"),
    ("casualties + 1 > 3", "each comparison needs one column and one value"),
    ("casualties > day_sanctions", "each comparison needs one column and one value"),
    ("casualties", "casualties alone is not a condition"),
    ("casualties >", "not a condition"),
    ("casualties > abs(3)", "is not a value"),
    ("", "expected a condition"),
]


@pytest.mark.parametrize(("text", "words"), REFUSED, ids=[r[0] or "empty" for r in REFUSED])
def test_a_condition_outside_the_grammar_is_refused_with_the_reason(text, words) -> None:
    with pytest.raises(QueryError, match="--where") as caught:
        parse(text, KINDS, VALUES)
    assert words in str(caught.value)


# --- PRIM on the model's design -----------------------------------------------------------------


@pytest.fixture(scope="module")
def simulated():
    """A small design of summit.yaml, two worlds per point, simulated once."""
    planned = discovery.plan(
        SUMMIT, "day_sanctions <= 14", params=FEW, samples=700, worlds_per_point=2
    )
    values, worlds = discovery.simulate(planned, workers=2)
    return planned, values, worlds


def test_a_planted_box_of_two_parameters_is_recovered(simulated) -> None:
    planned, values, worlds = simulated
    paths = [p.path for p in planned.parameters]
    credulity, aversion = (planned.parameters[paths.index(name)] for name in FEW[1:3])
    cut_credulity = credulity.low + 0.4 * (credulity.high - credulity.low)
    cut_aversion = aversion.low + 0.5 * (aversion.high - aversion.low)
    column = {name: values[:, paths.index(name)] for name in FEW[1:3]}
    inside = (column[FEW[1]] <= cut_credulity) & (column[FEW[2]] >= cut_aversion)
    planted = worlds.assign(planted=np.repeat(inside, 2).astype(int))  # both worlds of a point
    query = parse("planted == 1", kinds_of(planted), {})
    found = discovery.analyse(dataclasses.replace(planned, query=query), values, planted)

    limits = found.limits.set_index("parameter")
    assert list(limits.index) == [FEW[1], FEW[2]]
    step = 0.05  # about one peel (5 % of the box's points), in shares of the range
    assert limits.loc[FEW[1], "high"] == pytest.approx(
        cut_credulity, abs=step * (credulity.high - credulity.low)
    )
    assert limits.loc[FEW[1], "low"] == pytest.approx(credulity.low, abs=1e-3)
    assert limits.loc[FEW[2], "low"] == pytest.approx(
        cut_aversion, abs=step * (aversion.high - aversion.low)
    )
    box = found.boxes.loc[1]
    assert box["density"] == pytest.approx(1.0)
    assert box["coverage"] >= 0.9
    assert box["lift"] == pytest.approx(1 / inside.mean(), rel=0.02)
    words = found.sentence()
    assert f"{FEW[1]} ≤" in words and f"{FEW[2]} ≥" in words


def test_the_model_answer_is_carried_by_the_us_prior(simulated) -> None:
    """Sanctions by day 14 need a US that doubts the Kremlin: a low belief prior (M3)."""
    planned, values, worlds = simulated
    found = discovery.analyse(planned, values, worlds)
    limits = found.limits.set_index("parameter")
    prior = planned.parameters[0]
    assert "actors.usa.belief_prior" in limits.index
    assert limits.loc["actors.usa.belief_prior", "high"] < prior.high
    assert found.boxes.loc[1, "lift"] > 1.1
    assert (found.limits["qp"] < discovery.SIGNIFICANCE).all()


def test_the_boxes_are_the_same_for_one_and_two_workers() -> None:
    runs = [
        sim.discover(SUMMIT, "day_sanctions <= 14", params=FEW, samples=300, workers=workers)
        for workers in (1, 2)
    ]
    pd.testing.assert_frame_equal(runs[0].to_df(), runs[1].to_df())
    pd.testing.assert_frame_equal(runs[0].trajectory, runs[1].trajectory)
    assert runs[0].cases == runs[1].cases


def test_the_folder_reloads_and_redraws(tmp_path) -> None:
    runner = CliRunner()
    out = tmp_path / "d"
    args = ["discover", str(SUMMIT), "--where", "day_sanctions <= 14", "--samples", "300"]
    args += [arg for name in FEW for arg in ("--params", name)]
    done = runner.invoke(app, [*args, "--out", str(out), "--workers", "1"])
    assert done.exit_code == 0, done.output
    assert "Box 1: coverage" in done.output and "as likely when" in done.output
    assert {p.name for p in out.iterdir()} >= {
        "boxes.csv", "trajectory.csv", "report.md", "manifest.json", "figures"
    }  # fmt: skip
    loaded = sim.load_results(out)
    assert isinstance(loaded, discovery.Discovery)
    saved = pd.read_csv(out / "boxes.csv")
    assert {"box", "parameter", "low", "high", "coverage", "density", "lift", "qp"} <= set(saved)
    pd.testing.assert_frame_equal(loaded.to_df(), saved, check_dtype=False)
    before = (out / "report.md").read_text()
    for figure in (out / "figures").iterdir():
        figure.unlink()
    redrawn = runner.invoke(app, ["plot", str(out)])
    assert redrawn.exit_code == 0, redrawn.output
    assert {p.name for p in (out / "figures").iterdir()} == {"limits_box1.png", "tradeoff_box1.png"}
    assert (out / "report.md").read_text().split("\n", 3)[3] == before.split("\n", 3)[3]


def test_a_damaged_table_is_named_when_reloading(tmp_path) -> None:
    out = tmp_path / "d"
    found = sim.discover(SUMMIT, "day_sanctions <= 14", params=FEW, samples=200, workers=1)
    sim.save_results(found, out)
    (out / "trajectory.csv").write_text("box,step\n1,0\n")
    with pytest.raises(ResultsFolderError, match="trajectory"):
        sim.load_results(out)


# --- bad input ----------------------------------------------------------------------------------

BAD = [
    (["--params", "blam.*"], "unknown section 'blam' (did you mean 'blame'?)"),
    (["--params", "blame.nothing*"], "matches no parameter"),
    (["--where", 'outcom == "settlement"'], "no column 'outcom'"),
    (["--where", "open('x')"], "is not allowed"),
    (["--where", "day_summit < 0", "--params", "actors.usa.c*", "--samples", "100"],
     "no world of the 100 simulated meets the condition"),
    (["--where", "casualties >= 0", "--params", "actors.usa.c*", "--samples", "100"],
     "every world of the 100 simulated meets the condition"),
    (["--samples", "50", "--params", "blame.*"], "too few for"),
    (["--samples", "500"], "500 design points are too few for"),
    (["--boxes", "0"], "--boxes: expected 1 to 10 boxes"),
    (["--min-coverage", "1.5"], "--min-coverage: expected a share in (0, 1]"),
]  # fmt: skip


@pytest.mark.parametrize(("extra", "words"), BAD, ids=[" ".join(b[0]) for b in BAD])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, extra, words) -> None:
    out = tmp_path / "never"
    where = [] if "--where" in extra else ["--where", 'outcome == "settlement"']
    done = CliRunner().invoke(app, ["discover", str(SUMMIT), *where, *extra, "--out", str(out)])
    assert done.exit_code == 2, done.output
    lines = [line for line in done.output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and words in errors[0], done.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_without_the_explore_extra_discovery_says_how_to_install_it(monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_ema(name, *args, **kwargs):
        if name.startswith("ema_workbench"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ema)
    with pytest.raises(discovery.MissingExtraError, match=r'pip install -e "\.\[explore\]"'):
        discovery.plan(SUMMIT, 'outcome == "settlement"')
