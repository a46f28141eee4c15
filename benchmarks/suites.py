"""Named benchmark suites: which generated instances, with which time limit, against which targets.

- `smoke`: three tiny week instances (both operations, both interval lengths, both budgets, both
  objectives), each solved within 10 s. CI runs it (`.ci/run`): it must stay fast and must pass.
- `standard`: week to month, 50 to 300 agents; its time limits add up to about 6 minutes, the
  whole suite (generation, solving, checking) within 10 minutes on a 2-core machine.
- `scale`: a month of 15-minute intervals with 300, 500 and 1,000 agents (60, 120, 300 s), the
  sizes the scheduling issue sets targets for.

Targets are the scheduling issue's: a 300-agent month has its first feasible roster within 10 s and a
gap to the lower bound of at most 3% at 60 s; a 1,000-agent month has a feasible roster within 300 s
in under 4 GB. The runner records whether each instance met its targets; missing one is reported,
not a failure (a failure is an infeasible or unvalidated result).
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.generate import InstanceSpec


@dataclass(frozen=True)
class Targets:
    """What an instance should achieve (None = no target). Seconds, fraction, megabytes."""

    max_first_feasible_s: float | None = None
    max_gap: float | None = None
    max_peak_rss_mb: float | None = None

    def missed(self, first_feasible_s: float | None, gap: float | None, peak_rss_mb: float | None) -> list[str]:
        """The targets a result misses (an absent figure misses its target)."""
        out = []
        if self.max_first_feasible_s is not None and (
            first_feasible_s is None or first_feasible_s > self.max_first_feasible_s
        ):
            out.append(f"first feasible > {self.max_first_feasible_s:g} s")
        if self.max_gap is not None and (gap is None or gap > self.max_gap):
            out.append(f"gap > {self.max_gap:.0%}")
        if self.max_peak_rss_mb is not None and (peak_rss_mb is None or peak_rss_mb > self.max_peak_rss_mb):
            out.append(f"peak memory > {self.max_peak_rss_mb:g} MB")
        return out


@dataclass(frozen=True)
class SuiteInstance:
    """An instance of a suite and the solver's time limit on it (seconds)."""

    spec: InstanceSpec
    time_limit_s: float
    targets: Targets = Targets()

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0:
            raise ValueError(f"{self.spec.name}: time_limit_s must be > 0")


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    instances: tuple[SuiteInstance, ...]

    def __post_init__(self) -> None:
        names = [i.spec.name for i in self.instances]
        if len(set(names)) != len(names):
            raise ValueError(f"suite {self.name}: instance names are not unique")

    @property
    def total_time_limit_s(self) -> float:
        return sum(i.time_limit_s for i in self.instances)


MONTH = 30
TARGET_300 = Targets(max_first_feasible_s=10.0, max_gap=0.03)
TARGET_1000 = Targets(max_peak_rss_mb=4096.0)
TARGET_COVERAGE = Targets(max_gap=0.02)  # issue 26: ≤ 2% above the LP bound (gap is (objective − bound) / objective)

SUITES: dict[str, Suite] = {
    s.name: s
    for s in (
        Suite(
            "smoke",
            "tiny week instances, seconds each; CI runs them",
            (
                SuiteInstance(InstanceSpec("smoke-w30-12x6", days=7, agents=30, seed=1), 8.0),
                SuiteInstance(
                    InstanceSpec(
                        "smoke-w40-24x7-30m",
                        days=7,
                        agents=40,
                        operation="24x7",
                        interval_min=30,
                        queues=("voice_es", "chat_es"),
                        budget="non-binding",
                        seed=2,
                    ),
                    8.0,
                ),
                SuiteInstance(
                    InstanceSpec(
                        "smoke-w20-12x6-service", days=7, agents=20, queues=("voice_en",), objective="service", seed=3
                    ),
                    8.0,
                ),
            ),
        ),
        Suite(
            "standard",
            "week to month, 50 to 300 agents; about 10 minutes in all",
            (
                SuiteInstance(InstanceSpec("std-w50-12x6", days=7, agents=50, seed=11), 20.0),
                SuiteInstance(
                    InstanceSpec(
                        "std-w100-24x7-30m",
                        days=7,
                        agents=100,
                        operation="24x7",
                        interval_min=30,
                        budget="non-binding",
                        seed=12,
                    ),
                    30.0,
                ),
                SuiteInstance(
                    InstanceSpec("std-2w150-12x6-step15", days=14, agents=150, start_step_min=15, seed=13), 45.0
                ),
                SuiteInstance(
                    InstanceSpec(
                        "std-m100-12x6-30m-service",
                        days=MONTH,
                        agents=100,
                        interval_min=30,
                        budget="non-binding",
                        objective="service",
                        seed=14,
                    ),
                    60.0,
                ),
                SuiteInstance(
                    InstanceSpec(
                        "std-m200-24x7-4q",
                        days=MONTH,
                        agents=200,
                        operation="24x7",
                        queues=("voice_es", "voice_en", "chat_es", "chat_en"),
                        seed=15,
                    ),
                    90.0,
                ),
                SuiteInstance(InstanceSpec("std-m300-12x6", days=MONTH, agents=300, seed=16), 60.0, TARGET_300),
                SuiteInstance(
                    InstanceSpec("std-m300-24x7", days=MONTH, agents=300, operation="24x7", seed=17), 60.0, TARGET_300
                ),
            ),
        ),
        Suite(
            "coverage",
            "pure coverage (issue 26): 300 agents, 4 weeks, 12x6, budget 90% of full cover, under-staffing only",
            tuple(
                SuiteInstance(
                    InstanceSpec(
                        f"cov-m300-12x6-s{seed}",
                        days=28,
                        agents=300,
                        load=1.05,  # so that 90% of full cover lies between the contracts' minimum and maximum
                        budget="cover90",
                        weights="under-only",
                        seed=seed,
                    ),
                    60.0,
                    TARGET_COVERAGE,
                )
                for seed in (31, 32)
            ),
        ),
        Suite(
            "scale",
            "a month of 15-minute intervals, 300 to 1,000 agents",
            (
                SuiteInstance(InstanceSpec("scale-m300-12x6", days=MONTH, agents=300, seed=21), 60.0, TARGET_300),
                SuiteInstance(
                    InstanceSpec("scale-m300-24x7", days=MONTH, agents=300, operation="24x7", seed=22), 60.0, TARGET_300
                ),
                SuiteInstance(
                    InstanceSpec("scale-m300-12x6-service", days=MONTH, agents=300, objective="service", seed=26),
                    60.0,
                    TARGET_300,
                ),
                SuiteInstance(InstanceSpec("scale-m500-12x6", days=MONTH, agents=500, seed=23), 120.0),
                SuiteInstance(InstanceSpec("scale-m1000-12x6", days=MONTH, agents=1000, seed=24), 300.0, TARGET_1000),
                SuiteInstance(
                    InstanceSpec(
                        "scale-m1000-24x7", days=MONTH, agents=1000, operation="24x7", budget="non-binding", seed=25
                    ),
                    300.0,
                    TARGET_1000,
                ),
            ),
        ),
    )
}


def suite(name: str) -> Suite:
    """The suite called `name`; `KeyError` naming the known suites otherwise."""
    if name not in SUITES:
        raise KeyError(f"unknown suite '{name}' (known: {', '.join(SUITES)})")
    return SUITES[name]


def find_instance(name: str) -> SuiteInstance:
    """The instance called `name` in any suite; `KeyError` listing them otherwise."""
    for s in SUITES.values():
        for inst in s.instances:
            if inst.spec.name == name:
                return inst
    known = ", ".join(i.spec.name for s in SUITES.values() for i in s.instances)
    raise KeyError(f"unknown instance '{name}' (known: {known})")
