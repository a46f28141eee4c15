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
from collections.abc import Mapping, Sequence

import numpy as np

from models.rules.base import OptionRows, WeekRule, WeekShifts

for _module in pkgutil.iter_modules(__path__):  # every module of this package holds one rule
    importlib.import_module(f"{__name__}.{_module.name}")

# every rule of the catalogue, in a fixed order (by its checker name)
CATALOGUE: tuple[type[WeekRule], ...] = tuple(sorted(WeekRule.__subclasses__(), key=lambda r: r.name))


def rules_in_force(settings: Mapping[str, object]) -> tuple[WeekRule, ...]:
    """The catalogue's rules that `settings` (the scenario's `[rules]` as plain values, with
    `late_from_min`) turns on."""
    return tuple(rule for cls in CATALOGUE if (rule := cls.from_settings(settings)) is not None)


def completable(rules: Sequence[WeekRule], week: WeekShifts, ahead: Sequence[WeekShifts], budget: int = 64) -> bool:
    """Whether the days `ahead` (each one's candidate shifts) can each take a shift so that `week`'s
    shifts and theirs keep every rule together: a depth-first search over the days in order, each
    day's candidates pruned by every rule's own look-ahead. The rules' look-aheads are each exact for
    their rule alone; two rules can still conflict (three 6-hour days with at most two late and
    starts within two hours: the first start must leave a day that is not late), which this finds.
    After `budget` candidates tried it answers True (unproven, optimistic)."""
    left = [budget]

    def search(week: WeekShifts, ahead: Sequence[WeekShifts]) -> bool:
        if not ahead:
            return True
        day, rest = ahead[0], ahead[1:]
        pairs = np.unique(np.stack([day.start_min, day.end_min], axis=1), axis=0)
        ok = np.ones(len(pairs), dtype=bool)
        for rule in rules:
            ok &= rule.allows(pairs[:, 0], pairs[:, 1], week, rest)
        for start, end in pairs[ok].tolist():
            left[0] -= 1
            if left[0] < 0:
                return True
            grown = WeekShifts(np.append(week.start_min, start), np.append(week.end_min, end))
            if search(grown, rest):
                return True
        return False

    return search(week, ahead)


__all__ = ["CATALOGUE", "OptionRows", "WeekRule", "WeekShifts", "completable", "rules_in_force"]
