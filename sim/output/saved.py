"""Read a results folder written by ``sim run`` or ``sim compare`` back into memory.

Everything read is checked before it is used, so that a damaged folder gets one line naming the
file and what is wrong (:class:`ResultsFolderError`), never a traceback halfway through redrawing
its figures, and never figures drawn from rows that do not add up.

A results folder is untrusted data: it may have been copied, edited or tampered with. No symbolic
link is followed (:func:`check_no_links`), and ``sim plot`` writes no file that has another name
elsewhere (:func:`check_redrawable`); the manifest is parsed within bounds; a table must end with
a whole row; each stored scenario must match the hash recorded when it was run, unless the caller
accepts an edited one; and every file read must match the SHA-256 listed in ``SHA256SUMS``
(:mod:`sim.output.folders`). See ``docs/reliability.md``.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pandas as pd

from sim.engine.results import Results, scenario_hash
from sim.experiments.comparison import Comparison
from sim.experiments.discovery import Discovery
from sim.experiments.scoring import KIND as SCORE_KIND
from sim.experiments.sensitivity import Sensitivity
from sim.experiments.uncertainty import Uncertainty
from sim.model.aggregates import DailyAggregates
from sim.model.outcomes import OUTCOMES
from sim.output import discovery as saved_discovery
from sim.output.folders import CHECKSUMS, REDRAWN, TOOL, file_sha256
from sim.output.sensitivity import KIND, load_sensitivity
from sim.output.uncertainty import READ as BAND_FILES
from sim.output.uncertainty import load_uncertainty
from sim.scenario.inputs import InputFileError, load_json, read_text
from sim.scenario.options import InvalidScenarioError, validated
from sim.scenario.schema import MAX_RUNS, Scenario


class ResultsFolderError(ValueError):
    """A folder that is missing, not a results folder, or damaged."""


CONTRACT_COLUMNS = (
    "world",
    "outcome",
    "day_summit",
    "day_sanctions",
    "day_settlement",
    "day_moratorium_start",
    "day_moratorium_end",
    "territory_change",
    "casualties",
    "air_defense_delivered",
)
"""Columns every ``worlds.csv`` of this tool has (with ``blame_<actor>``; ``docs/model.md``)."""
RERUN = "rerun the scenario to write it again"
MAX_MANIFEST_BYTES = 50_000_000
"""Largest ``manifest.json`` read: a grid of 2,500 variants records about 20 MB of scenarios."""
MAX_ENTRIES = 100_000
"""Most files a results folder may hold (a run writes about twenty)."""
ACCEPT_EDITED = "--accept-edited"
"""The command-line flag that accepts an edited stored scenario (named in the message)."""


def load_results(
    folder: str | Path, accept_edited: bool = False
) -> Results | Comparison | Sensitivity | Discovery | Uncertainty:
    """Load a saved run or comparison (with its uncertainty bands, if it has them).

    Args:
        folder: the results folder.
        accept_edited: use a stored scenario that no longer matches the hash recorded when it
            was run (someone edited the manifest on purpose).

    Raises:
        ResultsFolderError: the folder does not exist, has no manifest of this tool, or lacks
            the files the manifest promises, or they are damaged, edited or linked elsewhere
            (one line naming the file).

    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsFolderError(f"{folder}: no such results folder")
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists() and not manifest_path.is_symlink():
        raise ResultsFolderError(
            f"{folder}: not a results folder (no manifest.json); "
            "expected a folder written by 'sim run', 'sim compare' or 'sim sweep'"
        )
    check_no_links(folder)
    manifest = _manifest(manifest_path)
    loaded = _load(folder, manifest, manifest_path)
    if isinstance(loaded, Sensitivity):  # its tables are what it is read back from
        read = ["sensitivity.csv", "outputs.csv"]
        _check_sums(folder, read if accept_edited else ["manifest.json", *read])
        return loaded
    if isinstance(loaded, Discovery):
        read = list(saved_discovery.READ)
        _check_scenario_hashes(manifest, [loaded.scenario], manifest_path, accept_edited)
        _check_sums(folder, read if accept_edited else ["manifest.json", *read])
        return loaded
    runs = loaded.results if isinstance(loaded, Comparison) else [loaded]
    _check_scenario_hashes(manifest, [run.scenario for run in runs], manifest_path, accept_edited)
    dailies = [*folder.glob("daily.csv"), *folder.glob("scenarios/*/daily.csv")]
    read = ["worlds.csv", *(path.relative_to(folder).as_posix() for path in dailies)]
    bands = manifest.get("uncertainty")
    read += list(BAND_FILES) if bands is not None else []
    _check_sums(folder, read if accept_edited else ["manifest.json", *read])
    if bands is not None:
        return _with_bands(loaded, folder, bands, manifest_path)
    return loaded


def load_run(folder: str | Path) -> Results:
    """The run saved in ``folder`` (:func:`load_results`); a folder of anything else is refused.

    Raises:
        ResultsFolderError: the folder is not a readable run of one scenario (one line).

    """
    loaded = load_results(folder)
    if isinstance(loaded, Uncertainty):
        loaded = loaded.base  # the run at the file's values; its bands are not worlds
    if isinstance(loaded, Comparison):
        raise ResultsFolderError(
            f"{folder}: holds {len(loaded.results)} scenarios (sim compare, sweep or grid); "
            "expected a folder written by sim run"
        )
    if not isinstance(loaded, Results):
        raise ResultsFolderError(
            f"{folder}: a {type(loaded).__name__.lower()}, not a run; expected a folder "
            "written by sim run"
        )
    return loaded


def _with_bands(
    loaded: Results | Comparison, folder: Path, entry: object, manifest_path: Path
) -> Uncertainty:
    """A saved run's or comparison's uncertainty bands (:mod:`sim.output.uncertainty`)."""
    try:
        if not isinstance(entry, dict):
            raise TypeError("uncertainty: expected an object")
        return load_uncertainty(loaded, folder, entry)
    except FileNotFoundError as err:
        raise ResultsFolderError(f"{err.filename}: missing; {RERUN}") from None
    except (KeyError, TypeError, ValueError, pd.errors.ParserError) as err:
        raise ResultsFolderError(f"{manifest_path}: damaged uncertainty bands ({err})") from None


def _manifest(path: Path) -> dict:
    """``manifest.json``, parsed within bounds."""
    try:
        manifest = load_json(path, MAX_MANIFEST_BYTES, "manifest of a results folder")
    except OSError as err:
        raise ResultsFolderError(f"{path}: cannot read it ({err.strerror})") from None
    except InputFileError as err:
        parsing = err.message.startswith(("not valid JSON", "nested"))
        what = err.message if parsing else f"cannot read it: {err.message}"
        raise ResultsFolderError(f"{path}: {what}") from None
    if not isinstance(manifest, dict) or manifest.get("tool") != TOOL:
        raise ResultsFolderError(
            f"{path}: written by another tool; expected a manifest with tool '{TOOL}'"
        )
    return manifest


def _load(
    folder: Path, manifest: dict, manifest_path: Path
) -> Results | Comparison | Sensitivity | Discovery:
    """The run, comparison or analysis of a checked manifest, with its tables."""
    if manifest.get("kind") == SCORE_KIND:
        raise ResultsFolderError(
            f"{folder}: a scoring of forecasts (sim score), which keeps no worlds; expected a "
            "folder written by sim run, sim compare, sim sweep, sim sensitivity or sim discover"
        )
    if manifest.get("kind") == "calibration":
        raise ResultsFolderError(
            f"{folder}: a calibration (sim calibrate), whose figures are in its figures/ folder "
            "and whose posterior runs with sim run posterior.yaml; expected a folder written by "
            "sim run, sim compare, sim sweep, sim sensitivity or sim discover"
        )
    seed = _whole(manifest, "seed", 0, None, manifest_path)
    if manifest.get("kind") == KIND:
        return _sensitivity(folder, manifest, manifest_path)
    if manifest.get("kind") == saved_discovery.KIND:
        return _discovery(folder, manifest, manifest_path)
    runs = _whole(manifest, "runs", 1, MAX_RUNS, manifest_path)
    worlds_path = folder / "worlds.csv"
    worlds = _worlds(worlds_path)
    try:
        if manifest.get("kind") == "compare":
            return _comparison(folder, manifest, worlds, seed, runs)
        scenario = _scenario(manifest["scenario"], manifest_path)
        _check_rows(worlds, runs, worlds_path)
        return Results(
            scenario=scenario,
            worlds=worlds,
            daily=_daily(folder, scenario),
            seed=seed,
            runs=runs,
        )
    except ResultsFolderError:
        raise
    except (KeyError, TypeError, ValueError) as err:
        raise ResultsFolderError(f"{manifest_path}: damaged manifest ({err})") from None


def _sensitivity(folder: Path, manifest: dict, manifest_path: Path) -> Sensitivity:
    """A saved sensitivity analysis (:mod:`sim.output.sensitivity`)."""
    try:
        return load_sensitivity(folder, manifest)
    except FileNotFoundError as err:
        raise ResultsFolderError(f"{err.filename}: missing; {RERUN}") from None
    except (KeyError, TypeError, ValueError) as err:
        raise ResultsFolderError(f"{manifest_path}: damaged sensitivity analysis ({err})") from None


def _discovery(folder: Path, manifest: dict, manifest_path: Path) -> Discovery:
    """A saved scenario discovery (:mod:`sim.output.discovery`)."""
    for name in saved_discovery.READ:
        if (folder / name).exists():
            _check_complete(folder / name)
    try:
        return saved_discovery.load_discovery(folder, manifest)
    except FileNotFoundError as err:
        raise ResultsFolderError(f"{err.filename}: missing; {RERUN}") from None
    except (KeyError, TypeError, ValueError, pd.errors.ParserError) as err:
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ResultsFolderError(
            f"{manifest_path}: damaged scenario discovery ({reason})"
        ) from None


def _comparison(
    folder: Path, manifest: dict, worlds: pd.DataFrame, seed: int, runs: int
) -> Comparison:
    """The scenarios of a saved comparison, each with its rows of ``worlds.csv``."""
    manifest_path, worlds_path = folder / "manifest.json", folder / "worlds.csv"
    entries = manifest["scenarios"]
    labels = [entry["label"] for entry in entries]
    if (
        len(labels) < 2
        or len(set(labels)) != len(labels)
        or not all(isinstance(label, str) for label in labels)
        or list(manifest["labels"]) != labels
    ):
        raise ResultsFolderError(
            f"{manifest_path}: labels: expected two or more distinct names, the same in "
            f"'labels' and 'scenarios', got {manifest['labels']!r} and {labels!r}"
        )
    if "scenario" not in worlds.columns:
        raise ResultsFolderError(f"{worlds_path}: no column scenario; {RERUN}")
    _check_rows(worlds, runs * len(labels), worlds_path, "in all")
    results = []
    for entry, label in zip(entries, labels, strict=True):
        scenario = _scenario(entry["scenario"], manifest_path)
        rows = worlds[worlds["scenario"] == label].drop(columns="scenario")
        _check_rows(rows, runs, worlds_path, f"of scenario {label!r}")
        results.append(
            Results(
                scenario=scenario,
                worlds=rows.reset_index(drop=True),
                daily=_daily(folder / "scenarios" / label, scenario),
                seed=seed,
                runs=runs,
            )
        )
    from sim.experiments import grids, sweeps

    references = manifest.get("references")
    valid = (
        isinstance(references, list)
        and len(references) == len(labels)
        and all(isinstance(r, int) and 0 <= r < len(labels) for r in references)
    )
    comparison = Comparison(
        results=results, labels=labels, references=references if valid else None
    )
    if manifest.get("grid") is not None:
        return grids.from_manifest(comparison, manifest["grid"])
    return sweeps.from_manifest(comparison, manifest.get("sweep"))


def _whole(manifest: dict, key: str, low: int, high: int | None, path: Path) -> int:
    """The manifest's whole number ``key``, checked against ``low`` and ``high``."""
    value = manifest.get(key)
    if type(value) is not int or value < low or (high is not None and value > high):
        upper = f" to {high:,}" if high is not None else " or more"
        raise ResultsFolderError(
            f"{path}: {key}: expected a whole number from {low}{upper}, got {value!r}"
        )
    return value


def _scenario(data: object, path: Path) -> Scenario:
    """The scenario stored in the manifest, validated again as a file would be (one line)."""
    try:
        return validated(data)
    except InvalidScenarioError as err:
        raise ResultsFolderError(
            f"{path}: scenario.{err.field}: {err.message} (a damaged manifest; {RERUN})"
        ) from None


def _worlds(path: Path) -> pd.DataFrame:
    """``worlds.csv``, read back (one line if it is missing or not a table of this tool)."""
    if not path.exists():
        raise ResultsFolderError(f"{path}: worlds.csv is missing")
    if not path.is_file():
        raise ResultsFolderError(f"{path}: not a file")
    _check_complete(path)
    try:
        worlds = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        reason = getattr(err, "strerror", None) or str(err).splitlines()[0]
        raise ResultsFolderError(f"{path}: not a worlds table ({reason})") from None
    missing = [column for column in CONTRACT_COLUMNS if column not in worlds.columns]
    if missing:
        raise ResultsFolderError(
            f"{path}: not a worlds table of this tool (no column {', '.join(missing[:3])})"
        )
    for column in CONTRACT_COLUMNS:
        if column != "outcome" and not pd.api.types.is_numeric_dtype(worlds[column]):
            raise ResultsFolderError(f"{path}: column {column} holds text; {RERUN}")
    unknown = sorted(set(worlds["outcome"].dropna().astype(str)) - set(OUTCOMES))
    if unknown or worlds["outcome"].isna().any():
        shown = ", ".join(unknown[:3]) or "an empty cell"
        raise ResultsFolderError(
            f"{path}: column outcome holds {shown}; expected {', '.join(OUTCOMES)}"
        )
    return worlds


def _check_rows(worlds: pd.DataFrame, expected: int, path: Path, which: str = "") -> None:
    """A table cut short (or padded) would give wrong shares: its rows must be the runs."""
    if len(worlds) != expected:
        of = f" {which}" if which else ""
        raise ResultsFolderError(
            f"{path}: {len(worlds):,} rows{of}, but the manifest says {expected:,} worlds "
            f"(the file is damaged; {RERUN})"
        )


def _daily(folder: Path, scenario: Scenario) -> DailyAggregates | None:
    """The per-day aggregates of ``daily.csv``, or None where the folder has none.

    They must cover the scenario's days and every variable a run keeps.
    """
    path = folder / "daily.csv"
    if not path.exists():
        return None
    _check_complete(path)
    try:
        daily = DailyAggregates.from_frame(pd.read_csv(path))
    except OSError as err:
        raise ResultsFolderError(f"{path}: cannot read it ({err.strerror})") from None
    except (KeyError, IndexError, TypeError, ValueError, pd.errors.ParserError) as err:
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ResultsFolderError(
            f"{path}: not a per-day aggregates file of this version ({reason}); {RERUN}"
        ) from None
    defender = next(name for name, a in scenario.actors.items() if a.role == "defender")
    kept = DailyAggregates.for_actors(1, 0, list(scenario.actors), defender)
    missing = sorted(
        (set(kept.quantile_names) - set(daily.quantile_names))
        | (set(kept.mean_names) - set(daily.mean_names))
    )
    if missing or daily.days != scenario.horizon_days:
        what = f"no {', '.join(missing[:3])}" if missing else f"{daily.days} days"
        raise ResultsFolderError(
            f"{path}: incomplete ({what}; the scenario has {scenario.horizon_days} days); {RERUN}"
        )
    return daily


def _check_complete(path: Path) -> None:
    """Refuse a table cut mid-row: one written whole ends with a line break.

    pandas would read the broken last row as a whole one, with its last cells empty.
    """
    try:
        with path.open("rb") as stream:
            stream.seek(0, os.SEEK_END)
            if stream.tell() == 0:
                return  # an empty file: the table's reader says so
            stream.seek(-1, os.SEEK_END)
            last = stream.read(1)
    except OSError as err:
        raise ResultsFolderError(f"{path}: cannot read it ({err.strerror})") from None
    if last != b"\n":
        raise ResultsFolderError(f"{path}: cut short (its last row has no end); {RERUN}")


def check_no_links(folder: Path) -> None:
    """Refuse a results folder holding a symbolic link: nothing is read or written through one.

    A folder this tool writes holds none; one that does may point outside the folder, to a file
    that ``sim plot`` would overwrite or whose content would pass for the run's.

    Raises:
        ResultsFolderError: naming the first link found, or a folder of too many files.

    """
    count = 0
    for root, folders, files in os.walk(folder):
        for name in folders + files:
            count += 1
            if count > MAX_ENTRIES:
                raise ResultsFolderError(
                    f"{folder}: more than {MAX_ENTRIES:,} files; not a results folder of this tool"
                )
            path = Path(root) / name
            if path.is_symlink():
                raise ResultsFolderError(
                    f"{path}: a symbolic link (to {os.readlink(path)}); a results folder of this "
                    "tool holds none, and none is followed: replace it with the file itself"
                )


def check_redrawable(folder: Path) -> None:
    """Refuse to redraw over a file that also has a name elsewhere (a hard link).

    ``sim plot`` rewrites the figures and ``report.md`` in place; a hard-linked file would change
    under its other name too, perhaps in another results folder.

    Raises:
        ResultsFolderError: naming the first such file.

    """
    for name in REDRAWN:
        top = folder / name
        paths = [top, *(top.rglob("*") if top.is_dir() else [])]
        for path in paths:
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_nlink > 1:
                raise ResultsFolderError(
                    f"{path}: a hard link (the file has {info.st_nlink} names), which redrawing "
                    "would change everywhere; copy the folder with 'cp -r' and redraw the copy"
                )


def _check_scenario_hashes(
    manifest: dict, scenarios: list[Scenario], path: Path, accept_edited: bool
) -> None:
    """Each stored scenario must be the one that was run: its recorded hash, unless accepted.

    The hash was taken of the scenario's JSON as stored; it is compared with the hash of the
    stored JSON written the same way (so a folder of an earlier version, whose schema had fewer
    fields, still matches), and failing that with the hash of the scenario as validated now.
    """
    if accept_edited:
        return
    entries = manifest["scenarios"] if manifest.get("kind") == "compare" else [manifest]
    for entry, scenario in zip(entries, scenarios, strict=True):
        recorded = entry.get("scenario_hash")
        if recorded is None:
            continue  # folders written before hashes were recorded
        stored = json.dumps(entry["scenario"], separators=(",", ":"), ensure_ascii=False)
        if recorded not in (_sha256(stored), scenario_hash(scenario)):
            which = f" {entry['label']!r}" if "label" in entry else ""
            raise ResultsFolderError(
                f"{path}: the stored scenario{which} was edited after the run (it no longer "
                f"matches its recorded scenario_hash {str(recorded)[:12]}...); add "
                f"{ACCEPT_EDITED} to use it as it now is"
            )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_sums(folder: Path, names: list[str]) -> None:
    """Each of ``names`` must match its SHA-256 in ``SHA256SUMS`` (where the folder has one)."""
    sums_path = folder / CHECKSUMS
    if not sums_path.exists():
        return  # folders written before checksums were recorded: the checks above only
    try:
        text = read_text(sums_path, MAX_MANIFEST_BYTES, "checksums file")
    except (OSError, InputFileError) as err:
        reason = getattr(err, "message", None) or getattr(err, "strerror", None) or err
        raise ResultsFolderError(f"{sums_path}: cannot read it ({reason})") from None
    recorded: dict[str, str] = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        recorded[name] = digest
    for name in names:
        path = folder / name
        expected = recorded.get(Path(name).as_posix())
        if expected is None or file_sha256(path) != expected:
            what = "not listed in" if expected is None else "does not match its SHA-256 in"
            raise ResultsFolderError(
                f"{path}: changed since the run wrote it ({what} {CHECKSUMS}); {RERUN}"
            )
