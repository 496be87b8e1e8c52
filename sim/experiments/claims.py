"""The experts' directional claims of the article, as tests on a pair of compared scenarios.

Each claim says which way a change moves a measure: the summit *cuts* sanctions (Greene), a
strike truce *lowers* air-defence deliveries (Baunov). A claim applies to a comparison in which
its scenario is read against its reference (``summit`` against ``sanctions``); it then gives one
or more per-world *gaps*, each oriented so that a positive mean means the claim holds
(``docs/sensitivity.md``, "Uncertainty bands"). Who said what: ``/work/shared/seed-article.txt``
and the notebooks 02 and 04.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

Gaps = Callable[[pd.DataFrame, pd.DataFrame], list[np.ndarray]]
"""Per-world gaps of a claim, from the scenario's worlds and its reference's (same worlds)."""


@dataclass(frozen=True)
class Claim:
    """A directional claim about the change from ``reference`` to ``scenario``.

    Attributes:
        name: a short identifier (``greene_offramp``).
        who: the expert quoted in the article.
        says: the claim in plain words.
        scenario: the file stem or scenario name of the changed scenario.
        reference: the file stem or scenario name it is read against.
        gaps: the per-world gaps; the claim holds where every gap's mean is above 0.

    """

    name: str
    who: str
    says: str
    scenario: tuple[str, ...]
    reference: tuple[str, ...]
    gaps: Gaps

    def applies(self, label: str, name: str, reference_label: str, reference_name: str) -> bool:
        """Whether a compared scenario (label, name) read against a reference is this pair."""
        return (label in self.scenario or name in self.scenario) and (
            reference_label in self.reference or reference_name in self.reference
        )


def _sanctions_by_day_14(worlds: pd.DataFrame) -> np.ndarray:
    return (worlds["day_sanctions"].to_numpy(float) <= 14).astype(float)


def _russia_gains_most(summit: pd.DataFrame, sanctions: pd.DataFrame) -> list[np.ndarray]:
    actors = [c.removeprefix("payoff_") for c in summit.columns if c.startswith("payoff_")]
    gain = {a: (summit[f"payoff_{a}"] - sanctions[f"payoff_{a}"]).to_numpy(float) for a in actors}
    return [gain["russia"] - gain[a] for a in actors if a != "russia"]


SUMMIT = ("summit", "Summit before the deadline")
SANCTIONS = ("sanctions", "Sanctions at the deadline")
STRIKE_TRUCE = ("ceasefire_strikes", "Ceasefire on long-range strikes")
BASELINE = ("baseline", "Baseline -- the war as it is")

CLAIMS = (
    Claim(
        "greene_offramp",
        "Greene",
        "the summit is an off-ramp: fewer worlds see sanctions within two weeks",
        SUMMIT,
        SANCTIONS,
        lambda s, r: [_sanctions_by_day_14(r) - _sanctions_by_day_14(s)],
    ),
    Claim(
        "greene_better_for_russia",
        "Greene",
        "the summit is a better move for Russia than for anyone else (payoff gain)",
        SUMMIT,
        SANCTIONS,
        _russia_gains_most,
    ),
    Claim(
        "baunov_air_defence",
        "Baunov",
        "a truce on long-range strikes eases the rush of air defence to Ukraine",
        STRIKE_TRUCE,
        BASELINE,
        lambda s, r: [(r["air_defense_delivered"] - s["air_defense_delivered"]).to_numpy(float)],
    ),
    Claim(
        "baunov_ground",
        "Baunov",
        "a truce on long-range strikes moves the war where Russia has the upper hand "
        "(more territory gained)",
        STRIKE_TRUCE,
        BASELINE,
        lambda s, r: [(s["territory_change"] - r["territory_change"]).to_numpy(float)],
    ),
)
"""The claims checked; Baunov's blame shift on a rejected proposal has no bundled pair of
scenarios that isolates it, and is not among them."""


def applicable(
    labels: Sequence[str], names: Sequence[str], references: Sequence[int]
) -> list[tuple[Claim, int, int]]:
    """The claims a comparison can test: ``(claim, scenario index, reference index)``."""
    found = []
    for claim in CLAIMS:
        for index in range(1, len(labels)):
            against = references[index]
            if claim.applies(labels[index], names[index], labels[against], names[against]):
                found.append((claim, index, against))
    return found


def margins(gaps: list[np.ndarray], worlds_per_draw: int) -> np.ndarray:
    """Per draw of ``worlds_per_draw`` consecutive worlds: the smallest mean gap."""
    return np.min([gap.reshape(-1, worlds_per_draw).mean(axis=1) for gap in gaps], axis=0)
