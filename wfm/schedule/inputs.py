"""The scenario and every input file it names, read and validated once, with each file's SHA-256."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from wfm.agents import Agent, Preference, Unavailability, read_agents, read_preferences, read_unavailability
from wfm.checker import check_roster
from wfm.continuity import locked_reasons, read_locked, read_previous_roster
from wfm.errors import InfeasibleError, InputError
from wfm.requirements import read_requirements
from wfm.roster import RosterShift
from wfm.scenario import Scenario, load_scenario
from wfm.validation import validate_inputs


@dataclass(frozen=True)
class ScheduleInputs:
    """A scenario with every input it names, read and validated, and each file's SHA-256."""

    scenario: Scenario
    agents: list[Agent]
    unavailability: list[Unavailability]
    preferences: list[Preference]
    requirements: pd.DataFrame
    checksums: dict[str, str]
    previous: list[RosterShift] | None = None  # the previous roster's shifts (None: not given)
    locked: list[RosterShift] = field(default_factory=list)  # shifts that must appear unchanged
    start_from: list[RosterShift] = field(default_factory=list)  # a roster the solve starts from (replan)
    keep_weight: float = 0.0  # objective units a change of `start_from` must gain to be kept (replan)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_inputs(
    scenario_path: str | Path,
    *,
    requirements: str | Path | None = None,
    agents: str | Path | None = None,
    unavailability: str | Path | None = None,
    preferences: str | Path | None = None,
    previous_roster: str | Path | None = None,
    locked: str | Path | None = None,
) -> ScheduleInputs:
    """Read the scenario and the files it names (overrides win); every reader validates. Locked
    shifts that break a rule on their own raise `InfeasibleError` naming them."""
    sc = load_scenario(scenario_path)
    paths: dict[str, Path | None] = {
        "requirements": sc.input_path("requirements", requirements),
        "agents": sc.input_path("agents", agents),
        "unavailability": sc.input_path("unavailability", unavailability),
        "preferences": sc.input_path("preferences", preferences),
        "previous_roster": sc.input_path("previous_roster", previous_roster),
        "locked": sc.input_path("locked", locked),
    }
    for key in ("requirements", "agents"):
        if paths[key] is None:
            raise InputError(f"no {key} file: set [inputs].{key} in the scenario or pass --{key}", path=sc.path)
    req = read_requirements(paths["requirements"])  # type: ignore[arg-type]
    if req.attrs.get("interval_min") not in (None, sc.config.horizon.interval_min):
        raise InputError(
            f"requirements are on a {req.attrs['interval_min']}-minute grid but the scenario's "
            f"horizon.interval_min is {sc.config.horizon.interval_min}",
            path=paths["requirements"],
            column="interval_start",
        )
    agent_list = read_agents(paths["agents"])  # type: ignore[arg-type]
    unav = read_unavailability(paths["unavailability"], agent_list) if paths["unavailability"] else []
    names = {t.name for t in sc.config.shift_templates}
    prefs = read_preferences(paths["preferences"], agent_list, names) if paths["preferences"] else []
    previous = read_previous_roster(paths["previous_roster"], sc, agent_list) if paths["previous_roster"] else None
    fixed = read_locked(paths["locked"], sc, agent_list) if paths["locked"] else []
    if fixed:
        alone = check_roster(sc, fixed, req, agent_list, unav, previous=previous)
        reasons = locked_reasons(list(alone.violations), paths["locked"])
        if reasons:
            raise InfeasibleError("the locked shifts break rules on their own", reasons=reasons)
    checksums = {"scenario": _sha256(sc.path)}
    checksums.update({k: _sha256(p) for k, p in paths.items() if p is not None})
    inputs = ScheduleInputs(sc, agent_list, unav, prefs, req, checksums, previous, fixed)
    validate_inputs(inputs)  # cross-file checks before any solving (wfm.validation)
    return inputs
