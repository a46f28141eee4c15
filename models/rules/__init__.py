"""The catalogue of week rules that start times decide: one module per rule, one class per module.

A week rule limits an agent's shifts within one ISO week by when they start or end. A rule is one
module here holding one `WeekRule` subclass (found by itself: no list to edit). `from_settings` turns
it on from the scenario's `[rules]`; every stage of the solve that chooses or moves start times asks
the rules in force, through three hooks:

- `aggregate_rows` — rows over shift options for the aggregate model (stage 1) and its constructions:
  a valid relaxation of the rule for a class of interchangeable agents (or none);
- `allows` — for stages that place one shift at a time beside the agent's others (the start
  assignment, the start search): which candidate shifts keep the rule;
- `allows_jointly` — for the roster search, which moves many shifts of a week at once: which
  candidates keep the rule whatever the week's other shifts take among their own jointly-allowed
  candidates.

Times are minutes from the midnight of the day the shift starts (an end past midnight is > 1440).
The rules on days (rest, runs of days, weekends, weekly hours and days, template limits) are the day
model's (`models.day_roster`), one `_add_*` function each; docs/schedule.md lists every rule and the
stages that keep it. The independent checker (`wfm.checker`) has its own implementation of each.
"""

import importlib
import pkgutil
from collections.abc import Mapping

from models.rules.base import OptionRows, WeekRule, WeekShifts

for _module in pkgutil.iter_modules(__path__):  # every module of this package holds one rule
    importlib.import_module(f"{__name__}.{_module.name}")

# every rule of the catalogue, in a fixed order (by its checker name)
CATALOGUE: tuple[type[WeekRule], ...] = tuple(sorted(WeekRule.__subclasses__(), key=lambda r: r.name))


def rules_in_force(settings: Mapping[str, object]) -> tuple[WeekRule, ...]:
    """The catalogue's rules that `settings` (the scenario's `[rules]` as plain values, with
    `late_from_min`) turns on."""
    return tuple(rule for cls in CATALOGUE if (rule := cls.from_settings(settings)) is not None)


__all__ = ["CATALOGUE", "OptionRows", "WeekRule", "WeekShifts", "rules_in_force"]
