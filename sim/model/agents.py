"""ActorAgent: one Mesa agent per actor, whose state is a column of the model's world arrays."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.model.actions import CATALOGUE, Action
from sim.model.context import Context
from sim.model.decision import Choice, choose
from sim.model.state import SIGNAL_STATEMENT, at

if TYPE_CHECKING:
    from sim.model.model import NegotiationModel

Policy = Callable[["ActorAgent", Context, Choice], np.ndarray]
"""Replaces the logit draw: given the agent, its view and the model's choice (utilities and
draw), return the chosen action index per world. ``sim play`` uses it for the student's actor."""


class ActorAgent(mesa.Agent):
    """An actor of the scenario (aggressor, defender, coercer or supporter) across all worlds.

    The agent holds no copy of the rules: each day it asks the catalogue of its role for the
    utility of every action, chooses by logit, and applies the chosen effects to the model's
    arrays in the worlds that chose them.

    Args:
        model: the model that owns the world arrays.
        name: the actor's key in the scenario file.
        role: its role.
        index: its column in per-actor arrays.
        params: its drawn parameters.

    """

    def __init__(
        self,
        model: NegotiationModel,
        name: str,
        role: str,
        index: int,
        params: SimpleNamespace,
    ) -> None:
        super().__init__(model)
        self.name = name
        self.role = role
        self.index = index
        self.params = params
        self.actions: tuple[Action, ...] = CATALOGUE[role]
        disabled = set(params.disabled_actions)
        self.enabled = np.array([a.name not in disabled for a in self.actions])
        self.noise_purposes = [f"decide/{name}/{a.name}" for a in self.actions]
        """One random stream per action: adding, removing or reordering an action (or
        disabling one) leaves every other action's noise as it was (``docs/model.md``, §10)."""
        self.policy: Policy | None = None

    @property
    def face(self) -> np.ndarray:
        """This actor's accumulated face across worlds (negative: face lost)."""
        return self.model.state.face[:, self.index]

    @property
    def blame(self) -> np.ndarray:
        """This actor's share of the blame across worlds."""
        return self.model.state.blame[:, self.index]

    def context(self) -> Context:
        """This actor's view of today."""
        model = self.model
        return Context(
            state=model.state,
            world=model.world,
            actors=model.actor_params,
            roles=model.roles,
            me=self.index,
            derived=model.derived,
            responding=model.responding(self.index),
        )

    def noise(self, model: NegotiationModel) -> np.ndarray:
        """Today's uniforms behind the decision noise, one column per action.

        Each enabled action's column comes from its own stream, drawn every day whether or not
        the action is available (so a world's draws never depend on the other worlds); a
        disabled action's stream is not drawn and its column is never read.
        """
        uniforms = np.zeros((model.state.n, len(self.actions)))
        for column, purpose in enumerate(self.noise_purposes):
            if self.enabled[column]:
                uniforms[:, column] = model.streams.uniform(purpose)[:, 0]
        return uniforms

    def step(self) -> None:
        """Decide and act in every world."""
        model = self.model
        ctx = self.context()
        uniforms = self.noise(model)
        choice = choose(ctx, self.actions, self.enabled, uniforms, model.world.decision.rationality)
        columns = choice.considered
        if self.policy is not None:
            choice.index = self.policy(self, ctx, choice)
            columns = list(range(len(self.actions)))
        chosen = np.bincount(choice.index, minlength=len(self.actions))
        for column in columns:
            if column == 0 or not chosen[column]:
                continue
            mask = choice.index == column
            action = self.actions[column]
            action.apply(ctx, mask)
            face = choice.components[column].get("face")
            if face is not None:
                rows = mask.nonzero()[0]
                model.state.face[rows, self.index] += at(face, rows)
            if action.signal == "statement":
                model.state.signals[mask] = SIGNAL_STATEMENT
        model.note_choice(self, choice)
