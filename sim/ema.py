"""The EMA workbench connector: a scenario as an ``ema_workbench`` model, evaluated in batches.

Needs the optional extra ``explore`` (``pip install -e ".[explore]"``), which installs
ema_workbench (Kwakkel 2017). ``docs/sensitivity.md``, "The EMA workbench connector"::

    from ema_workbench import perform_experiments
    import sim.ema

    model = sim.ema.model("scenarios/summit.yaml", params=["actors.usa.*"], worlds=100)
    with sim.ema.BatchEvaluator(model, seed=0) as evaluator:
        experiments, outcomes = perform_experiments(model, 500, evaluator=evaluator)

The model's **uncertainties** are the scenario's ranged parameters (the same ``--params`` globs
as ``sim sensitivity`` and ``sim discover``), each a ``RealParameter`` named by its path with
``__`` for each dot (the workbench wants Python identifiers: ``actors__usa__credulity``;
:func:`parameter_path` turns a name back) over its plausible range
(or, for a parameter the scenario gives a distribution, over that distribution's 0.5 %–99.5 %
quantiles); its **outcomes** are the per-world outputs of a sensitivity analysis
(:func:`sim.experiments.sensitivity.all_outputs`: each outcome class and "event by day d" as a
share, territory, casualties, air defence, each actor's blame), averaged over the experiment's
``worlds``.

:class:`BatchEvaluator` evaluates a whole batch of experiments as **one ensemble run** through
the design path of ``sim run`` (:class:`sim.model.design.Design`, one row per experiment,
``worlds`` worlds each): experiment *j* of the batch is simulated on worlds
``j·worlds .. j·worlds + worlds − 1`` of the seed, the same worlds ``sim discover`` gives its
design point *j*, and the result does not depend on the number of workers. The workbench's own
evaluators (``SequentialEvaluator``, ``MultiprocessingEvaluator``) also work with the model,
one experiment at a time on worlds ``0 .. worlds − 1``, at the cost of one ensemble per
experiment.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.ensemble import Progress, run_checked
from sim.experiments.sensitivity import BY_DAYS, Output, all_outputs, select, values_at
from sim.model.design import Design
from sim.scenario import options as arguments
from sim.scenario.parameters import Parameter
from sim.scenario.schema import Scenario

try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ema_workbench warns of optional back-ends at import
        from ema_workbench import Model, RealParameter, Sample, ScalarOutcome
        from ema_workbench.em_framework.evaluators import BaseEvaluator
except ImportError as err:  # pragma: no cover - the extra is part of the dev install
    raise ImportError(
        f'sim.ema needs ema_workbench: install the explore extra, pip install -e ".[explore]" '
        f"({err})"
    ) from None

__all__ = [
    "BatchEvaluator",
    "ScenarioModel",
    "model",
    "parameter_path",
    "samples",
    "uncertainty_name",
]

SEPARATOR = "__"
"""Stands for the dots of a parameter's path in its uncertainty's name."""


def uncertainty_name(path: str) -> str:
    """An uncertainty's name: a parameter's path with ``__`` for each dot."""
    return path.replace(".", SEPARATOR)


def parameter_path(uncertainty: str) -> str:
    """A parameter's path from its uncertainty's name (the inverse of :func:`uncertainty_name`)."""
    return uncertainty.replace(SEPARATOR, ".")


class ScenarioModel(Model):
    """A scenario as an ema_workbench model (:func:`model` makes one).

    Attributes:
        scenario: the scenario.
        parameters: its varied parameters, in the order of the uncertainties.
        worlds: worlds simulated per experiment (their mean is each outcome).
        outputs: the outcomes, each a number per world.

    """

    def __init__(
        self,
        scenario: Scenario,
        parameters: Sequence[Parameter],
        worlds: int,
        outputs: Sequence[Output],
        name: str,
        seed: int = 0,
    ) -> None:
        super().__init__(name, function=self._one_experiment)
        self.scenario = scenario
        self.parameters = list(parameters)
        self.worlds = worlds
        self.outputs = list(outputs)
        self.seed = seed
        ends = [values_at(p, np.array([0.0, 1.0])) for p in self.parameters]
        self.uncertainties = [
            RealParameter(uncertainty_name(p.path), float(low), float(high))
            for p, (low, high) in zip(self.parameters, ends, strict=True)
        ]
        self.outcomes = [ScalarOutcome(output.name) for output in self.outputs]

    @property
    def paths(self) -> tuple[str, ...]:
        """The parameters' dotted paths, in the order of the uncertainties."""
        return tuple(p.path for p in self.parameters)

    @property
    def names(self) -> tuple[str, ...]:
        """The uncertainties' names (:func:`uncertainty_name` of each path)."""
        return tuple(uncertainty_name(p.path) for p in self.parameters)

    def evaluate(
        self,
        values: np.ndarray,
        seed: int | None = None,
        workers: int | None = None,
        progress: Progress | None = None,
    ) -> dict[str, np.ndarray]:
        """Every outcome of a batch of experiments, in one ensemble run.

        Args:
            values: one row per experiment, one column per parameter (in :attr:`paths` order).
            seed: the run's seed (default: the model's).
            workers: processes (default: one per core); the outcomes do not depend on it.
            progress: called as ``progress(done_worlds, total_worlds)``.

        Returns:
            Each outcome's mean over each experiment's worlds, by name: arrays of one value
            per experiment.

        """
        values = np.atleast_2d(np.asarray(values, dtype=float))
        design = Design(self.paths, values, self.worlds)
        (results,) = run_checked(
            [self.scenario],
            design.worlds,
            self.seed if seed is None else seed,
            workers,
            progress,
            designs=[design],
        )
        per_world = np.column_stack([output.value(results.worlds) for output in self.outputs])
        per_world = np.nan_to_num(per_world, nan=0.0)
        means = per_world.reshape(len(values), self.worlds, len(self.outputs)).mean(axis=1)
        return {output.name: means[:, i] for i, output in enumerate(self.outputs)}

    def _one_experiment(self, **values: float) -> dict[str, float]:
        """One experiment on its own (the workbench's own evaluators): worlds 0 .. worlds − 1."""
        row = np.array([[values[key] for key in self.names]])
        found = self.evaluate(row, workers=1)
        return {name: float(value[0]) for name, value in found.items()}


def model(
    scenario: Scenario | str,
    params: Sequence[str] = (),
    worlds: int = 1,
    by_days: Sequence[int] = BY_DAYS,
    name: str | None = None,
    seed: int = 0,
) -> ScenarioModel:
    """An ema_workbench model of ``scenario``.

    Args:
        scenario: a scenario or the path of its file.
        params: glob patterns of the parameters to make uncertainties (default: every
            parameter that can vary per world), as for ``sim sensitivity --params``.
        worlds: worlds per experiment (each outcome is their mean).
        by_days: the days d of the "event by day d" outcomes.
        name: the model's name, a Python identifier (default: ``sim``).
        seed: the seed of experiments run one at a time; :class:`BatchEvaluator` has its own.

    Raises:
        SensitivityError: a pattern that matches nothing.

    """
    scenario = arguments.scenario(scenario)
    worlds = arguments.whole("worlds", worlds, 1)
    days = tuple(arguments.whole("by_days", day, 0) for day in by_days)
    parameters, _ = select(scenario, params)
    outputs = all_outputs(list(scenario.actors), days)
    return ScenarioModel(scenario, parameters, worlds, outputs, name or "sim", seed)


def samples(chosen: ScenarioModel, values: np.ndarray | pd.DataFrame) -> list[Sample]:
    """Design points as the workbench's scenarios (``perform_experiments(scenarios=...)``).

    ``values`` has one row per experiment and one column per uncertainty, in the model's order
    (or a table with a column per path or name): for instance the Latin hypercube of
    :func:`sim.experiments.discovery.design`, which follows the scenario's distributions.
    """
    if isinstance(values, pd.DataFrame):
        values = values.rename(columns=uncertainty_name)[list(chosen.names)].to_numpy(float)
    return [
        Sample(name=str(j), **dict(zip(chosen.names, map(float, row), strict=True)))
        for j, row in enumerate(np.atleast_2d(values))
    ]


class BatchEvaluator(BaseEvaluator):
    """Evaluates each batch of experiments as one ensemble run of the design path.

    Args:
        msis: a :class:`ScenarioModel` (or a list of them).
        seed: the run's seed.
        workers: processes (default: one per core); the outcomes do not depend on it.
        progress: called as ``progress(done_worlds, total_worlds)``.

    """

    def __init__(
        self,
        msis: ScenarioModel | list[ScenarioModel],
        seed: int = 0,
        workers: int | None = None,
        progress: Progress | None = None,
    ) -> None:
        super().__init__(msis)
        for entry in self._msis:
            if not isinstance(entry, ScenarioModel):
                raise TypeError(
                    f"BatchEvaluator runs sim.ema models, got {type(entry).__name__}; use the "
                    "workbench's own evaluators for other models"
                )
        self.seed = arguments.whole("seed", seed, 0)
        self.workers = arguments.workers(workers)
        self.progress = progress

    def initialize(self) -> None:
        """Nothing to start: the ensemble starts its own workers per batch."""

    def finalize(self) -> None:
        """Nothing to stop."""

    def evaluate_experiments(
        self, experiments: Iterable[Any], callback: Callable[..., None], **kwargs: Any
    ) -> None:
        """Run every experiment of the batch, one ensemble per model, and report each.

        Experiment *j* of a model (in the order given) is simulated on worlds
        ``j·worlds .. j·worlds + worlds − 1``.
        """
        by_model: dict[str, list[Any]] = {}
        for experiment in experiments:
            by_model.setdefault(experiment.model_name, []).append(experiment)
        models = {m.name: m for m in self._msis}
        for model_name, batch in by_model.items():
            chosen = models[model_name]
            values = np.array(
                [[float(e.scenario[key]) for key in chosen.names] for e in batch]
            ).reshape(len(batch), len(chosen.paths))
            found = chosen.evaluate(values, self.seed, self.workers, self.progress)
            for j, experiment in enumerate(batch):
                callback(experiment, {key: float(value[j]) for key, value in found.items()})
