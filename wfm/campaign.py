"""What the report and the calendars need to know of a scenario, kept in `summary.json` as `campaign`.

A result folder must stand on its own: `wfm report` and `wfm export` read it long after the
scenario may have changed. So `wfm run` writes the few scenario facts they show into
`summary.json` under `campaign` (`campaign_of`), and both commands take `--scenario` to supply
them for a folder of `wfm schedule`, whose summary has none.

`campaign` keys (all optional when read):

- `name` (text): the scenario's `name`;
- `time_zone` (IANA name, e.g. `Europe/Madrid`): `[horizon] time_zone` when the scenario sets it,
  else absent (calendars then use floating local time);
- `service_level_target` (fraction): `[contract] service_level`, else `[service] service_level`;
- `answer_time_s` (seconds): the T of that target, from the same table;
- `queue_service_level_targets` (queue → fraction): `[service]` targets per queue;
- `operating_hours` (weekday → `HH:MM-HH:MM` or `closed`).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from wfm.scenario import Scenario


class Campaign(BaseModel):
    """The scenario facts a result folder carries (see the module docstring); fractions are 0–1."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str | None = None
    time_zone: str | None = None
    service_level_target: float | None = Field(default=None, ge=0, le=1)
    answer_time_s: float | None = Field(default=None, ge=0)
    queue_service_level_targets: dict[str, float] = Field(default_factory=dict)
    operating_hours: dict[str, str] = Field(default_factory=dict)

    def target_for(self, queue: str) -> float | None:
        """The service-level target of `queue`: its own, else the campaign's."""
        return self.queue_service_level_targets.get(queue, self.service_level_target)


def campaign_of(scenario: Scenario, queues: list[str] | None = None) -> Campaign:
    """The campaign facts of `scenario`; per-queue targets for `queues` (default: the queues the
    `[service]` table names)."""
    cfg = scenario.config
    contract = cfg.contract if isinstance(cfg.contract, dict) else {}
    service = cfg.service
    default = service.targets_for("")
    target = contract.get("service_level", default.service_level)
    answer = contract.get("answer_time_s", default.answer_time_s)
    named = sorted(set(queues or []) | set(service.queues))
    return Campaign(
        name=cfg.name if "name" in cfg.model_fields_set else None,
        time_zone=cfg.horizon.time_zone if "time_zone" in cfg.horizon.model_fields_set else None,
        service_level_target=None if target is None else float(target),
        answer_time_s=None if answer is None else float(answer),
        queue_service_level_targets={q: float(service.targets_for(q).service_level) for q in named},
        operating_hours=dict(cfg.operating_hours),
    )
