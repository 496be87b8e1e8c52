"""A pyabc sampler that evaluates a whole batch of particles in one vectorised ensemble run.

pyabc's samplers call ``simulate_one()`` once per particle: draw a parameter, simulate, compute
the distance, accept or not. Here that closure is taken apart: :class:`BatchSampler` draws a
batch of proposals with pyabc's own functions (:func:`pyabc.inference_util.
generate_valid_proposal`, the prior's ``rvs``), hands all of them to one ``evaluate`` call (the
ensemble, one world per particle: ``sim.experiments.calibration``) and then accepts and weighs
each particle exactly as pyabc's ``Model.accept`` and ``evaluate_proposal`` do, in proposal
order, stopping at the n-th acceptance. The proposals drawn past it are dropped and numpy's global
random state is put back where drawing one proposal at a time would have left it, so the
particles, their order and their weights are those of pyabc's ``SingleCoreSampler`` given the
same simulations (``tests/test_calibration.py``).

It relies on the closure being pyabc's ``functools.partial`` of ``_simulate_one`` or
``_simulate_one_from_prior`` (pyabc 0.13; the extra pins it) and refuses anything else.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from pyabc.inference_util import inference_util as pyabc_inference
from pyabc.parameters import Parameter
from pyabc.population import Particle
from pyabc.sampler import Sampler
from pyabc.transition import MultivariateNormalTransition

Evaluate = Callable[[Sequence[dict[str, float]]], list[dict[str, float]]]
"""Summary statistics of a batch of parameter sets, one dict per set, in order."""

MIN_BATCH = 1024
"""Fewest particles per ensemble call: a day of the model costs about the same for 1 world as
for a thousand (vectorised), so a small batch wastes the call; the proposals past the n-th
acceptance are dropped without changing the result."""
MAX_BATCH = 20_000
"""Most particles per ensemble call (memory, and the proposals past the n-th acceptance)."""
HEADROOM = 1.2
"""A batch asks for this many more proposals than the expected acceptances need."""


class BatchSampler(Sampler):
    """Draw proposals in batches and evaluate each batch in one call of ``evaluate``.

    Attributes:
        evaluate: the batch's summary statistics (:data:`Evaluate`).
        worlds: particles simulated in all, those drawn past a generation's n-th acceptance
            included (``nr_evaluations_`` counts only the particles pyabc looked at).
        calls: how many times ``evaluate`` ran.

    """

    def __init__(self, evaluate: Evaluate, min_batch: int = MIN_BATCH, max_batch: int = MAX_BATCH):
        super().__init__()
        self.evaluate = evaluate
        self.min_batch = min_batch
        self.max_batch = max_batch
        self.worlds = 0
        self.calls = 0
        self._rate = 1.0

    def sample_until_n_accepted(
        self,
        n: int,
        simulate_one: Callable,
        t: int,
        *,
        max_eval: float = np.inf,
        all_accepted: bool = False,
        ana_vars: Any = None,
    ) -> Any:
        settings, from_prior = _settings(simulate_one)
        sample = self._create_empty_sample()
        evaluated = accepted = 0
        rate = 1.0 if from_prior else self._rate
        while accepted < n and evaluated < max_eval:
            size = math.ceil((n - accepted) / max(rate, 1e-4) * HEADROOM)
            size = min(max(size, self.min_batch), self.max_batch)
            if math.isfinite(max_eval):
                size = min(size, int(max_eval) - evaluated)
            before = np.random.get_state()
            proposals = [_propose(settings, t, from_prior) for _ in range(size)]
            stats = self.evaluate([theta for _, theta in proposals])
            self.worlds += size
            self.calls += 1
            for used, ((m, theta), x) in enumerate(zip(proposals, stats, strict=True), 1):
                particle = _particle(settings, t, m, theta, x, from_prior)
                sample.append(particle)
                evaluated += 1
                accepted += particle.accepted
                if accepted == n:
                    if used < size:  # leave the random state where a one-by-one run leaves it
                        np.random.set_state(before)
                        for _ in range(used):
                            _propose(settings, t, from_prior)
                    break
            rate = accepted / evaluated
        self.nr_evaluations_ = evaluated
        if not from_prior:
            self._rate = max(accepted / max(evaluated, 1), 1e-4)
        if accepted < n:
            sample.ok = False
        return sample


def _settings(simulate_one: Callable) -> tuple[dict[str, Any], bool]:
    """The keywords of pyabc's closure, and whether it samples from the prior."""
    known = (pyabc_inference._simulate_one, pyabc_inference._simulate_one_from_prior)
    if not isinstance(simulate_one, functools.partial) or simulate_one.func not in known:
        raise TypeError(
            "BatchSampler expects pyabc 0.13's simulate_one (a functools.partial of "
            "_simulate_one); this pyabc builds it differently"
        )
    settings = dict(simulate_one.keywords)
    if not settings.get("evaluate", True):
        raise TypeError("BatchSampler does not do look-ahead sampling (evaluate=False)")
    return settings, simulate_one.func is pyabc_inference._simulate_one_from_prior


def _propose(settings: dict[str, Any], t: int, from_prior: bool) -> tuple[int, Any]:
    """One proposal ``(model, parameter)``, drawn as pyabc draws it."""
    if from_prior:
        m = int(settings["model_prior"].rvs())
        return m, settings["parameter_priors"][m].rvs()
    alive, transitions = settings["m"], settings["transitions"]
    if t > 0 and len(alive) == 1 and type(transitions[alive[0]]) is MultivariateNormalTransition:
        return alive[0], _perturbed(transitions[alive[0]], settings["parameter_priors"][alive[0]])
    return pyabc_inference.generate_valid_proposal(
        t=t,
        m=alive,
        p=settings["p"],
        model_prior=settings["model_prior"],
        parameter_priors=settings["parameter_priors"],
        model_perturbation_kernel=settings["model_perturbation_kernel"],
        transitions=transitions,
    )


def _perturbed(transition: MultivariateNormalTransition, prior: Any) -> Parameter:
    """``generate_valid_proposal`` for one model and pyabc's normal kernel, without its overhead.

    The same draws from numpy's global random state as ``transition.rvs()`` (a particle by
    weight, then a normal step) until the prior's density is positive; the density is judged
    by the prior's support (scipy's ``support()``), and by the density itself only on its edge.
    The pandas and scipy calls of pyabc's route took most of a calibration's time.
    """
    columns = list(transition.X.columns)
    lows = np.array([prior[c].distribution.support()[0] for c in columns])
    highs = np.array([prior[c].distribution.support()[1] for c in columns])
    zeros = np.zeros(transition.cov.shape[0])
    while True:
        index = np.random.choice(transition._range, p=transition.w, replace=True)
        step = np.random.multivariate_normal(zeros, transition.cov)
        values = transition._X_arr[index] + step
        if ((values < lows) | (values > highs)).any():
            continue
        theta = Parameter(dict(zip(columns, values, strict=True)))
        if ((values > lows) & (values < highs)).all() or prior.pdf(theta) > 0:
            return theta


def _particle(
    settings: dict[str, Any], t: int, m: int, theta: Any, x: dict[str, float], from_prior: bool
) -> Particle:
    """The particle of a simulated proposal: accepted and weighed as pyabc does."""
    if from_prior:  # a calibration sample: every particle accepted, distance computed later
        return Particle(
            m=m,
            parameter=theta,
            weight=1.0,
            sum_stat=x,
            distance=np.inf,
            accepted=True,
            proposal_id=0,
            preliminary=False,
        )
    result = settings["acceptor"](
        distance_function=settings["distance_function"],
        eps=settings["eps"],
        x=x,
        x_0=settings["x_0"],
        t=t,
        par=theta,
    )
    weight = settings["weight_function"](m, theta, result.weight) if result.accept else 0.0
    return Particle(
        m=m,
        parameter=theta,
        weight=weight,
        sum_stat=x,
        distance=result.distance,
        accepted=result.accept,
        preliminary=False,
        proposal_id=settings["proposal_id"],
    )
