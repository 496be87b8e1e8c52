"""Property-based tests (hypothesis): distribution parameters, and results folders tampered with.

A distribution the schema accepts draws finite values inside its support, rising with the
uniform it is drawn from, at every uniform a stream can give; one it refuses says why. A results
folder changed in any way either loads as it was saved or is refused with one line.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

from sim.cli import app
from sim.model.draws import quantile
from sim.output.saved import ResultsFolderError, load_results
from sim.scenario.schema import UNDECIDED, BetaDist, NormalDist, TriangularDist, UniformDist
from tests.conftest import SCENARIOS

UNIFORMS = np.array([0.0, 2.0**-53, 1e-12, 1e-6, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 1e-9, 1 - 2.0**-53])
"""Uniforms from the ends of what a stream draws (``[0, 1)`` in steps of 2**-53) and between."""
numbers = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e308, max_value=1e308)
positive = st.floats(min_value=1e-300, max_value=1e308, allow_nan=False, allow_infinity=False)
scales = st.sampled_from([1e-300, 1e-12, 1e-3, 1.0, 1e3, 1e12, 1e100, 1e300])


def distributions() -> st.SearchStrategy[dict]:
    beta = st.fixed_dictionaries({"dist": st.just("beta"), "a": positive, "b": positive})
    uniform = st.fixed_dictionaries({"dist": st.just("uniform"), "low": numbers, "high": numbers})
    normal = st.fixed_dictionaries(
        {"dist": st.just("normal"), "mean": numbers, "sd": positive},
        optional={"low": numbers, "high": numbers},
    )
    triangular = st.fixed_dictionaries(
        {"dist": st.just("triangular"), "low": numbers, "mode": numbers, "high": numbers}
    )
    near = st.tuples(numbers, scales, scales).map(
        lambda t: {"dist": "normal", "mean": t[0], "sd": t[1], "low": t[0] - t[2], "high": t[0]}
    )
    return st.one_of(beta, uniform, normal, triangular, near)


MODELS = {
    "beta": BetaDist,
    "uniform": UniformDist,
    "normal": NormalDist,
    "triangular": TriangularDist,
}


@settings(max_examples=400, deadline=None)
@given(distributions())
def test_accepted_distributions_draw_finite_rising_values_inside_their_support(params):
    try:
        dist = MODELS[params["dist"]].model_validate(params)
    except ValidationError as err:
        assert str(err.errors()[0]["msg"]).strip(), "a refusal says why"
        return
    draws = quantile(dist, UNIFORMS)
    low, high = dist.support()
    assert np.isfinite(draws).all(), (params, draws)
    assert ((draws >= low) & (draws <= high)).all(), (params, draws)
    assert (np.diff(draws) >= 0).all(), (params, draws)
    assert draws[-1] > draws[0], (params, draws)  # not one value in every world


def _ordinary_distributions() -> st.SearchStrategy[dict]:
    """Parameters at and near the edges of the range checked without numpy."""
    shapes = st.sampled_from([0.05, 0.0500001, 0.1, 0.5, 1.0, 2.0, 37.0, 999.9, 1000.0])
    beta = st.fixed_dictionaries({"dist": st.just("beta"), "a": shapes, "b": shapes})
    sizes = st.sampled_from([0.0, 1e-6, 1.0, 3.7, 1e3, 1e6, 1e12])
    sign = st.sampled_from([-1.0, 1.0])
    mean = st.tuples(sign, sizes).map(lambda t: t[0] * t[1])
    sd_factor = st.sampled_from([1e-6, 1e-3, 1.0, 10.0, 1e6])
    side = st.sampled_from([-60.0, -8.0, -6.0, -5.9, -1.0, 0.0, 1.0, 5.9, 6.0, 8.0, 40.0])
    width = st.sampled_from([1e-3, 1e-2, 1.0, 12.0])

    def normal(t: tuple) -> dict:
        mean, factor, start, span, windowed = t
        sd = min(1e12, factor * max(1.0, abs(mean)))
        if not windowed:
            return {"dist": "normal", "mean": mean, "sd": sd}
        low = mean + start * sd
        return {"dist": "normal", "mean": mean, "sd": sd, "low": low, "high": low + span * sd}

    normal_params = st.tuples(mean, sd_factor, side, width, st.booleans()).map(normal)
    return st.one_of(beta, normal_params)


@settings(max_examples=400, deadline=None)
@given(st.one_of(distributions(), _ordinary_distributions()))
def test_the_check_without_numpy_gives_the_full_probes_verdict(params):
    """Reading a scenario checks ordinary distributions without numpy and scipy (start-up time).

    Where it answers, its answer is the full probe's: the very flaw for a uniform or a
    triangular (the same IEEE operations in Python floats), no flaw for a beta or a normal in
    the ordinary range. Elsewhere it leaves the answer to the full probe.
    """
    model = MODELS[params["dist"]]
    try:
        dist = model.model_construct(**params)
        dist._check_parameters()
    except ValueError:
        return
    quick = dist._flaw_without_numpy()
    if quick is not UNDECIDED:
        assert quick == dist._probed_flaw(), params


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("saved") / "run"
    result = CliRunner().invoke(
        app,
        [
            "run",
            str(SCENARIOS / "summit.yaml"),
            "--runs",
            "40",
            "--workers",
            "1",
            "--out",
            str(folder),
        ],
    )
    assert result.exit_code == 0, result.output
    return folder


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(["manifest.json", "worlds.csv", "daily.csv"]),
    data=st.data(),
)
def test_a_tampered_results_folder_loads_as_saved_or_gets_one_line(tmp_path, saved, name, data):
    folder = Path(tempfile.mkdtemp(dir=tmp_path)) / "run"
    shutil.copytree(saved, folder)
    original = (folder / name).read_bytes()
    how = data.draw(st.sampled_from(["cut", "flip", "insert"]))
    at = data.draw(st.integers(0, len(original) - 1))
    if how == "cut":
        changed = original[:at]
    elif how == "flip":
        changed = (
            original[:at]
            + bytes([original[at] ^ data.draw(st.integers(1, 255))])
            + original[at + 1 :]
        )
    else:
        changed = original[:at] + data.draw(st.binary(min_size=1, max_size=40)) + original[at:]
    assume(changed != original)
    (folder / name).write_bytes(changed)
    try:
        loaded = load_results(folder)
    except ResultsFolderError as err:
        assert "\n" not in str(err) and str(folder) in str(err)
        return
    before = load_results(saved)
    # A change that still loads must not change the numbers a report is drawn from.
    assert loaded.runs == before.runs and loaded.seed == before.seed
    assert (
        loaded.worlds["outcome"].tolist() == before.worlds["outcome"].tolist()
        or name != "worlds.csv"
    )
