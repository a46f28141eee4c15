"""The `[service]` table of a scenario file: default service targets and per-queue overrides.

```toml
[service]                  # defaults for every queue (omitted keys: wfm's defaults)
service_level = 0.8        # share answered within answer_time_s
answer_time_s = 20
max_occupancy = 0.85
shrinkage = 0.30
model = "erlang-c"         # or "erlang-a" with patience_s
[service.queues.chat_es]   # per-queue overrides of any key above
channel = "chat"
concurrency = 2
```

Keys are the fields of `wfm.staffing.ServiceTargets`. A queue's targets are wfm's defaults,
overridden by the keys of `[service]`, overridden by the keys of `[service.queues.<queue>]`.
Command-line options override both (`targets_from_options`). Every error names its key path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from wfm.errors import InputError
from wfm.staffing import (
    DEFAULT_TARGETS,
    TARGET_BOUNDS,
    TARGET_FIELDS,
    ServiceTargets,
    TargetError,
    check_target,
)
from wfm.tomlfile import TomlTable, read_toml


def _bounded(name: str) -> Any:
    return Field(default=None, **TARGET_BOUNDS[name])


class QueueService(TomlTable):
    """Targets set for one queue (or, in `ServiceConfig`, for every queue); None = inherited."""

    service_level: float | None = _bounded("service_level")
    answer_time_s: float | None = _bounded("answer_time_s")
    max_occupancy: float | None = _bounded("max_occupancy")
    max_asa_s: float | None = _bounded("max_asa_s")
    shrinkage: float | None = _bounded("shrinkage")
    model: Literal["erlang-c", "erlang-a"] | None = None
    patience_s: float | None = _bounded("patience_s")
    channel: Literal["voice", "chat", "email"] | None = None
    concurrency: int | None = _bounded("concurrency")
    response_time_h: float | None = _bounded("response_time_h")
    max_abandon_rate: float | None = _bounded("max_abandon_rate")
    min_agents: int | None = _bounded("min_agents")

    def set_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in TARGET_FIELDS if getattr(self, name) is not None}


class ServiceConfig(QueueService):
    """The `[service]` table: defaults for every queue plus `queues.<name>` overrides."""

    queues: dict[str, QueueService] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _targets_valid(self) -> ServiceConfig:
        for queue in [None, *self.queues]:
            try:
                self._build(queue)
            except TargetError as exc:
                key = self.key_of(exc.field, queue)
                raise PydanticCustomError(
                    "service_target", "{key}: {message}", {"key": key, "message": exc.message}
                ) from None
        return self

    def _build(self, queue: str | None) -> ServiceTargets:
        values = {name: getattr(DEFAULT_TARGETS, name) for name in TARGET_FIELDS}
        values.update(self.set_values())
        if queue is not None and queue in self.queues:
            values.update(self.queues[queue].set_values())
        return ServiceTargets(**values)

    def key_of(self, field: str, queue: str | None) -> str:
        """The key path that sets `field` for `queue` (where a fix belongs)."""
        override = self.queues.get(queue) if queue is not None else None
        if override is not None and (getattr(override, field) is not None or getattr(self, field) is None):
            return f"service.queues.{queue}.{field}"
        return f"service.{field}"

    def targets_for(self, queue: str) -> ServiceTargets:
        """The service targets of `queue`: defaults ← `[service]` ← `[service.queues.<queue>]`."""
        return self._build(queue)


def load_service_config(path: str | Path) -> ServiceConfig:
    """Read only the `[service]` table of the scenario TOML at `path` (absent: all defaults)."""
    path = Path(path)
    data = read_toml(path)
    table = data.get("service", {})
    if not isinstance(table, dict):
        raise InputError("key 'service' must be a table ([service])", path=path)
    return service_config_from_dict(table, path=path)


def service_config_from_dict(table: dict[str, Any], *, path: str | Path | None = None) -> ServiceConfig:
    """Validate a `[service]` table; raise `InputError` naming the key path of the first problem."""
    try:
        return ServiceConfig.model_validate(table)
    except ValidationError as exc:
        key, msg = _first_error(exc)
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise InputError(f"key '{key}': {msg}{more}", path=path) from None


def _first_error(exc: ValidationError) -> tuple[str, str]:
    """(key path, message) of the first validation error of a `[service]` table."""
    err = exc.errors()[0]
    if err["type"] == "service_target":
        return err["ctx"]["key"], err["ctx"]["message"]
    got = err.get("input")
    msg = err["msg"] + (f", got {got!r}" if isinstance(got, str | int | float) else "")
    return ".".join(["service", *(str(p) for p in err["loc"])]), msg


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def targets_from_options(config: ServiceConfig | None = None, **options: Any) -> ServiceConfig:
    """Apply command-line target options (ServiceTargets field names; None = not given) to `config`.

    A given option overrides the `[service]` default and every queue's override. `concurrency`
    above 1 without `channel` implies `channel = "chat"`. Errors name the option (`--service-level`).
    """
    config = config or ServiceConfig()
    unknown = set(options) - set(TARGET_FIELDS)
    if unknown:
        raise TypeError(f"unknown target option(s): {sorted(unknown)}")
    given = {k: v for k, v in options.items() if v is not None}
    if given.get("concurrency", 1) > 1 and "channel" not in given:
        given["channel"] = "chat"
    try:
        for name, value in given.items():
            if name in TARGET_BOUNDS:
                check_target(name, value)
    except TargetError as exc:
        raise InputError(f"{_option(exc.field)}: {exc.message}") from None
    top = config.set_values() | given
    queues = {q: {k: v for k, v in o.set_values().items() if k not in given} for q, o in config.queues.items()}
    try:
        return ServiceConfig.model_validate({**top, "queues": queues})
    except ValidationError as exc:
        key, msg = _first_error(exc)
        field = key.rsplit(".", 1)[-1]
        in_scenario = field not in given and field in set(config.set_values()).union(
            *(o.set_values() for o in config.queues.values())
        )
        where = f"key '{key}'" if in_scenario else _option(field)
        raise InputError(f"{where}: {msg}") from None
