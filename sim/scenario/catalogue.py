"""The actions: each declared once, with its name, roles, words and consequences.

This is what an action *is*, for everything that names actions: scenario files
(``disabled_actions``, checked by :mod:`sim.scenario.schema`), traces, and the menu of ``sim play``.
What an action *does* -- its utility and its effects -- is its rule in
:data:`sim.model.actions.RULES`, under the same name; the model's catalogue joins the two and
fails at once, naming the file to edit, when a declared action has no rule or a rule no
declaration. To add an action: declare it here, write its rule there (``docs/model.md``, §8).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

EVERY_ROLE = ("aggressor", "coercer", "defender", "supporter")
VETO_PLAYERS = ("aggressor", "defender")
"""The sides that answer proposals (Fearon 1995: a deal needs both)."""


@dataclass(frozen=True)
class ActionSpec:
    """One action, as scenario files, traces and ``sim play`` know it.

    Attributes:
        name: the name used in scenario files (``disabled_actions``), traces and ``sim play``.
        roles: the roles that may take it.
        words: what the actor does, in plain words (``"<actor> offers a summit"``).
        consequence: its likely consequences, for the menu of ``sim play``.
        signal: what the coercer reads into it (``"statement"``, a ``beliefs`` likelihood
            ratio), if anything.
        answer: True for accepting or rejecting a pending proposal (never disabled).
        daily: False for an action that is not a daily choice (``violate_moratorium``, realised
            by the truce hazard of :mod:`sim.model.dynamics`): a scenario may disable it, but no
            actor chooses it.

    """

    name: str
    roles: tuple[str, ...]
    words: str
    consequence: str
    signal: str | None = None
    answer: bool = False
    daily: bool = True

    @property
    def always(self) -> bool:
        """Waiting and answering a proposal are always possible: no scenario disables them."""
        return self.answer or self.name == "wait"


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "wait",
        EVERY_ROLE,
        "waits",
        "Nothing new today; the war and any routine campaign go on.",
    ),
    # --- the aggressor
    ActionSpec(
        "offer_summit",
        ("aggressor",),
        "offers a summit",
        "A summit offer: talk of progress eases the coercer's deadline, costs nothing concrete, "
        "and lifts your standing if it is held.",
        signal="statement",
    ),
    ActionSpec(
        "propose_ceasefire",
        ("aggressor",),
        "proposes a full ceasefire on its own terms",
        "A full ceasefire on your current terms. If rejected, part of the blame for the war "
        "moves onto whoever rejects it.",
        signal="statement",
    ),
    ActionSpec(
        "propose_moratorium",
        ("aggressor",),
        "proposes a moratorium on long-range strikes",
        "A pause in long-range strikes: eases refinery damage and the rush of air defence to the "
        "other side; the ground war continues.",
        signal="statement",
    ),
    # --- the coercer
    ActionSpec(
        "impose_sanctions",
        ("coercer",),
        "imposes sanctions and secondary tariffs",
        "Sanctions and secondary tariffs: pressure on the aggressor builds over weeks; your "
        "threat is credible again; if they fail you lose face.",
    ),
    ActionSpec(
        "extend_deadline",
        ("coercer",),
        "lets the deadline pass and sets a new one",
        "Let the deadline pass and set a new one: no cost today, but face and credibility erode "
        "with each extension unless you can point to progress.",
    ),
    ActionSpec(
        "let_deadline_lapse",
        ("coercer",),
        "lets the deadline lapse without setting a new one",
        "Let the deadline pass and drop it: a climb-down you pay for once, a little more than an "
        "extension today, but no further deadlines to face; your credibility falls further.",
    ),
    ActionSpec(
        "ease_sanctions",
        ("coercer",),
        "eases sanctions",
        "Lift part of your own sanctions (the supporters' stay): rewards movement, looks weak if "
        "none came.",
    ),
    ActionSpec(
        "accept_summit",
        ("coercer", "aggressor"),
        "accepts the summit",
        "Meet: you can claim your threats worked; the aggressor gains standing.",
    ),
    ActionSpec(
        "decline_summit",
        ("coercer", "aggressor"),
        "declines the summit",
        "Refuse to meet: looks firm; the deadline's pressure stays on.",
    ),
    ActionSpec(
        "call_off_summit",
        ("coercer", "aggressor"),
        "calls off the agreed summit",
        "Call off the summit before it is held, now that meeting is worth less to you than "
        "staying away: looks firm, but the progress it promised fades and it no longer holds "
        "sanctions off.",
    ),
    ActionSpec(
        "propose_terms",
        ("coercer",),
        "proposes a brokered settlement",
        "Put a compromise between the two sides' positions on the table.",
    ),
    ActionSpec(
        "pressure_defender",
        ("coercer",),
        "pauses aid to press the defender",
        "Pause aid to press the defender to concede: the front moves faster against it.",
    ),
    ActionSpec(
        "increase_aid",
        ("coercer",),
        "increases aid to the defender",
        "More aid to the defender: the aggressor's advance slows.",
    ),
    # --- the defender
    ActionSpec(
        "counter_propose",
        ("defender",),
        "counter-proposes its own terms",
        "Answer with your own terms, to share the blame back.",
    ),
    ActionSpec(
        "strike_refineries",
        ("defender",),
        "strikes the aggressor's refineries",
        "Long-range strikes on the aggressor's refineries: economic pressure.",
    ),
    # --- both sides at war
    ActionSpec(
        "concede",
        VETO_PLAYERS,
        "concedes a step on one issue",
        "A step back on one issue: costs face, but may open a deal and reassure the coercer that "
        "you are serious.",
    ),
    ActionSpec(
        "escalate_strikes",
        ("aggressor",),
        "escalates long-range strikes",
        "More drones and missiles for a week: military pressure, more civilian casualties, more "
        "blame, and more urgency to deliver air defence.",
    ),
    ActionSpec(
        "accept",
        VETO_PLAYERS,
        "accepts the proposal on the table",
        "Accept the proposal on the table. A deal needs every side's yes.",
        answer=True,
    ),
    ActionSpec(
        "reject",
        VETO_PLAYERS,
        "rejects the proposal on the table",
        "Reject the proposal on the table: part of the blame moves onto you, more so the more "
        "reasonable it looks.",
        answer=True,
    ),
    # --- supporters
    ActionSpec(
        "surge_air_defense",
        ("supporter",),
        "rushes air defence to the defender",
        "Rush interceptors to the defender.",
    ),
    ActionSpec(
        "own_sanctions",
        ("supporter",),
        "adopts its own sanctions package",
        "Adopt your own sanctions package: adds to the pressure.",
    ),
    ActionSpec(
        "oppose_proposal",
        ("supporter",),
        "publicly opposes the aggressor's proposal",
        "Say publicly the proposal is a trap: blunts the blame a rejection shifts.",
    ),
    ActionSpec(
        "offer_guarantees",
        ("supporter",),
        "offers security guarantees",
        "Offer security guarantees: a deal becomes safer for the defender.",
    ),
    # --- not a daily choice
    ActionSpec(
        "violate_moratorium",
        VETO_PLAYERS,
        "breaks the strike moratorium",
        "Resume long-range strikes during a moratorium (the truce hazard decides when; "
        "disabling it means this side never breaks a truce).",
        daily=False,
    ),
)
"""Every action, once. A role's actions are listed in this order (the order of ``sim play``'s
menu and of a traced choice's columns)."""


def of_role(role: str) -> tuple[ActionSpec, ...]:
    """The actions a role may take, in :data:`ACTIONS` order."""
    return tuple(spec for spec in ACTIONS if role in spec.roles)


class _Disableable(Mapping[str, tuple[str, ...]]):
    """Per role, the names of the actions a scenario may disable, read from :data:`ACTIONS`."""

    def __getitem__(self, role: str) -> tuple[str, ...]:
        if role not in EVERY_ROLE:
            raise KeyError(role)
        return tuple(spec.name for spec in of_role(role) if not spec.always)

    def __iter__(self) -> Iterator[str]:
        return iter(EVERY_ROLE)

    def __len__(self) -> int:
        return len(EVERY_ROLE)


DISABLEABLE: Mapping[str, tuple[str, ...]] = _Disableable()
"""Per role, the actions a scenario may switch off (``disabled_actions``): all but waiting and
answering a proposal, which are always possible."""
