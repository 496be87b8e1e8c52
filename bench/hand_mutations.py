"""Apply realistic mutations of the model's rules one at a time and check that a test kills each.

Usage::

    .venv/bin/python bench/hand_mutations.py                       # every mutation below
    .venv/bin/python bench/hand_mutations.py -k m9                 # those whose label has "m9"

Each mutation is a text replacement in one rule module (a sign flipped, a term dropped, a lag
shifted). The script applies it to the working tree, runs the model's property tests, records
which test failed first and restores the file, whatever happens. Run it on a clean tree; it
prints one line per mutation: killed (by which test) or SURVIVED. ``docs/testing.md`` lists the
results.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ("tests/test_mechanism_properties.py", "tests/test_record_mechanisms.py")

MUTANTS = [  # (module, original text, mutated text, label)
    (
        "sim/model/dynamics.py",
        "_relative_pace(state.pace, expected_pace) - 1.0",
        "1.0 - _relative_pace(state.pace, expected_pace)",
        "M9: sign of the front's lesson",
    ),
    (
        "sim/model/dynamics.py",
        "    state.days_observed += fighting\n"
        "    weight = fighting / (learning.prior_days + state.days_observed)\n",
        "    weight = fighting / (learning.prior_days + state.days_observed)\n"
        "    state.days_observed += fighting\n",
        "M9: learning weight one day late",
    ),
    (
        "sim/model/dynamics.py",
        "    hardship += np.maximum(state.aggressor_prior - state.aggressor_estimate, 0.0)\n",
        "",
        "M9: disappointment dropped from hardship",
    ),
    (
        "sim/model/dynamics.py",
        "learning.resolve_hardening * favourable - learning.resolve_erosion",
        "-learning.resolve_hardening * favourable - learning.resolve_erosion",
        "M9: hardening sign",
    ),
    (
        "sim/model/dynamics.py",
        "state.resolve = np.clip(before + change * fighting, 0.0, 1.0)",
        "state.resolve = np.clip(before + change, 0.0, 1.0)",
        "M9: resolve moves in settled worlds",
    ),
    (
        "sim/model/context.py",
        "return war_value + resolve * np.maximum(core_demand - war_value, 0.0)",
        "return war_value + resolve * np.maximum(core_demand, 0.0)",
        "M9: reservation: war value dropped from the gap",
    ),
    (
        "sim/model/context.py",
        "        1.0\n        - state.defender_estimate\n",
        "        1.0\n        - state.aggressor_estimate\n",
        "M9: defender uses the aggressor's estimate",
    ),
    (
        "sim/model/model.py",
        "np.clip(share - learning.defender_optimism, 0.0, 1.0)",
        "np.clip(share + learning.defender_optimism, 0.0, 1.0)",
        "M9: defender optimism sign",
    ),
    (
        "sim/model/model.py",
        "state.sincere, learning.sincere_resolve, learning.stalling_resolve",
        "state.sincere, learning.stalling_resolve, learning.sincere_resolve",
        "M9: resolve by type swapped",
    ),
    (
        "sim/model/actions.py",
        "other_floor = np.minimum(core_floor, np.maximum(war_value, framing_floor))",
        "other_floor = np.maximum(war_value, framing_floor)",
        "M9: non-core floor ignores resolve",
    ),
    (
        "sim/model/actions.py",
        "return blame.rejection_weight * reasonable * dampened * fatigue(ctx, state.proposal_by)",
        "return blame.rejection_weight * reasonable * dampened",
        "M4: rejection blame without fatigue",
    ),
    (
        "sim/model/actions.py",
        ") * fatigue(ctx, ctx.me)\n",
        ") * np.ones(_n(ctx))\n",
        "M4: moratorium proposal's blame motive without fatigue",
    ),
    (
        "sim/model/actions.py",
        "    return np.power(ctx.world.blame.repeat_discount, rebuffs)",
        "    return np.power(ctx.world.blame.repeat_discount, np.maximum(rebuffs - 1, 0))",
        "M4: fatigue starting one rebuff late",
    ),
    (
        "sim/model/dynamics.py",
        "            rebuffed |= rejected\n",
        "            rebuffed |= rejected\n"
        "            state.rebuffs[rejected.nonzero()[0], state.proposal_by[rejected]] += 1\n",
        "M4: a rebuff counted per rejecter, before the other's answer",
    ),
    (
        "sim/model/actions.py",
        "    return -params.weakness_aversion * (grown * forgiven + repeated)",
        "    return -params.weakness_aversion * (grown + repeated) * forgiven",
        "M1: the repeated-extension cost forgiven by progress",
    ),
    (
        "sim/model/actions.py",
        "    repeated = state.deadline_cost * face.repeat_extension_cost * state.extensions",
        "    repeated = face.repeat_extension_cost * state.extensions",
        "M1: the repeated-extension cost not scaled by the deadline's stake",
    ),
    (
        "sim/model/dynamics.py",
        "np.exp(dispersion * z - dispersion**2 / 2)",
        "np.exp(dispersion * z)",
        "M8: the surge's mean-one correction dropped",
    ),
    (
        "sim/model/dynamics.py",
        "launched = np.minimum(war.strikes_per_day * intensity * surge, war.strike_capacity)",
        "launched = war.strikes_per_day * intensity * surge",
        "M8: no launch capacity",
    ),
    (
        "sim/model/dynamics.py",
        "    state.casualties += rates.strike_casualties * scale\n",
        "    state.casualties += rates.strike_casualties * intensity\n",
        "M8: strike casualties ignoring the day's surge",
    ),
    (
        "sim/model/dynamics.py",
        "((1.0 - share) + share * relative)",
        "((1.0 - share) + share / relative)",
        "M8: ground casualties falling with the pace",
    ),
    (
        "sim/model/actions.py",
        "lapsed = grown * forgiven * (1.0 + face.lapse_premium)",
        "lapsed = grown * forgiven * (1.0 - face.lapse_premium)",
        "M1 lapse: sign of the premium",
    ),
    (
        "sim/model/actions.py",
        "lapsed = grown * forgiven * (1.0 + face.lapse_premium)",
        "lapsed = grown * (1.0 + face.lapse_premium)",
        "M1 lapse: progress does not forgive",
    ),
    (
        "sim/model/actions.py",
        "lapsed = grown * forgiven * (1.0 + face.lapse_premium)",
        "lapsed = state.deadline_cost * forgiven * (1.0 + face.lapse_premium)",
        "M1 lapse: the cost does not grow with extensions",
    ),
    (
        "sim/model/actions.py",
        "state.credibility[mask] *= at(ctx.world.face.lapse_credibility_keep, mask)",
        "state.credibility[mask] *= at(ctx.world.face.credibility_keep, mask)",
        "M1 lapse: an extension's credibility loss",
    ),
    (
        "sim/model/actions.py",
        '    state.record("deadline_lapsed", mask)\n',
        "",
        "M1 lapse: the day not recorded",
    ),
    # --- the record's event kinds and the summit as an action (issue 22) -----------------------
    (
        "sim/model/dynamics.py",
        "paused = live & (state.aid_level < AID_NORMAL)",
        "paused = live",
        "record: a resumption lowers increased aid to normal",
    ),
    (
        "sim/model/dynamics.py",
        "state.aid_level[live] = event.level",
        "state.aid_level[:] = event.level",
        "record: an aid pause reaches settled worlds",
    ),
    (
        "sim/model/dynamics.py",
        "state.truce_until[live] = event.day + event.length_days - 1",
        "state.truce_until[live] = event.day + event.length_days",
        "record: a truce lasts a day too long",
    ),
    (
        "sim/model/dynamics.py",
        "truce = state.truce_until >= state.day",
        "truce = state.truce_until > state.day",
        "record: a truce ends a day early",
    ),
    (
        "sim/model/dynamics.py",
        "np.where(truce, world.truce.unilateral_pace_share, 1.0)",
        "np.where(truce, 1.0 - world.truce.unilateral_pace_share, 1.0)",
        "record: the truce's pace share read as the share stopped",
    ),
    (
        "sim/model/dynamics.py",
        "strikes = fighting & ~state.moratorium & ~truce",
        "strikes = fighting & ~state.moratorium",
        "record: strikes go on during a truce",
    ),
    (
        "sim/model/dynamics.py",
        "np.maximum(state.progress[live], at(talks, live))",
        "at(talks, live)",
        "record: talks overwrite a summit's progress",
    ),
    (
        "sim/model/dynamics.py",
        "state.add_sanctions(live, at(level, live), coercer=False)",
        "state.add_sanctions(live, at(level, live), coercer=True)",
        "record: a supporters' package counted as the coercer's",
    ),
    (
        "sim/model/dynamics.py",
        "isinstance(e, DeadlineEvent) and e.announced is None]",
        "isinstance(e, DeadlineEvent)]",
        "record: an announced deadline public from day 0",
    ),
    (
        "sim/model/dynamics.py",
        "state.deadline_day[mask] = np.minimum(state.deadline_day[mask], event.day)",
        "state.deadline_day[mask] = event.day",
        "record: a later deadline pushes back a pending one",
    ),
    (
        "sim/model/actions.py",
        "    if ctx.me == ctx.roles.aggressor:\n        return to_aggressor\n",
        "    if ctx.me == ctx.roles.aggressor:\n        return ~to_aggressor\n",
        "record: the aggressor answers the offers it made",
    ),
    (
        "sim/model/actions.py",
        "    if ctx.me == ctx.roles.aggressor:\n        return _aggressor_summit_value(ctx)\n",
        "    if ctx.me == ctx.roles.coercer:\n        return _aggressor_summit_value(ctx)\n",
        "record: each leader weighs a summit by the other's value",
    ),
    (
        "sim/model/actions.py",
        "components = {name: -value for name, value in _summit_value(ctx).items()}",
        "components = {name: value for name, value in _summit_value(ctx).items()}",
        "record: calling off counts the summit's value as a gain",
    ),
    (
        "sim/model/actions.py",
        "firm = _standing_firm(ctx) * _answers_summits(ctx)",
        "firm = _standing_firm(ctx)",
        "record: the leader who offered a summit stands firm by calling it off",
    ),
    (
        "sim/model/actions.py",
        "    available &= gain > 0.0\n",
        "",
        "record: a summit called off whatever it is worth",
    ),
    (
        "sim/model/actions.py",
        "(state.summit_day > ctx.day)",
        "(state.summit_day >= ctx.day)",
        "record: a summit called off on the day it is due",
    ),
]


def killed_by(path: str, old: str, new: str) -> list[str] | None:
    """The tests that fail with ``old`` replaced by ``new`` in ``path``; None if all pass."""
    module = ROOT / path
    original = module.read_text()
    if original.count(old) != 1:
        raise SystemExit(f"{path}: the text to mutate is not found exactly once: {old!r}")
    module.write_text(original.replace(old, new))
    try:
        run = subprocess.run(
            ["pytest", "-q", "-x", "-p", "no:cacheprovider", *TESTS],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=900,
            check=False,
        )
    finally:
        module.write_text(original)
    if run.returncode == 0:
        return None
    return [
        line.split("::")[1].split(" ")[0] for line in run.stdout.splitlines() if "FAILED" in line
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="only mutations whose label contains this")
    args = parser.parse_args(argv)
    survived = 0
    for path, old, new, label in MUTANTS:
        if args.k.lower() not in f"{path} {label}".lower():
            continue
        failed = killed_by(path, old, new)
        survived += failed is None
        print(f"{label}: {'SURVIVED' if failed is None else 'killed by ' + ', '.join(failed)}")
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main())
