"""When more hours stop buying service: what binds, and how many agents of which kind would lift it.

From the relaxation without a budget (`ServiceBound.solve(None, duals=True)`):
- each agent class's binding rows (headcount per day, weekly maximum hours or days, weekends, weekly
  shift patterns) and the contacts one more agent like its members would answer in time — the
  first-order change of the relaxation (its duals), an estimate beyond one agent;
- per queue, a direct capacity count: the agent-hours required on the phone against the paid hours
  the agents skilled for it can work at most (agents with several skills count in each queue);
- the hiring answer: n more agents like the most valuable class, n from the duals, then the
  relaxation solved again with them to check that its bound reaches the target (at most
  `HIRE_ATTEMPTS` times, scaling n by the shortfall). A bound that reaches the target does not prove a
  roster will: it is an estimate, marked so.
"""

from __future__ import annotations

import math
from typing import Any

from wfm.frontier.bound import BoundPoint, ServiceBound, clones

HIRE_ATTEMPTS = 3
MAX_HIRES_FACTOR = 4  # never propose more than this × the agents there are


def capacity_by_queue(bound: ServiceBound) -> list[dict[str, Any]]:
    """Per queue: required agent-hours on the phone and the most paid hours its skilled agents can work."""
    plan, p = bound.plan, bound.plan.problem
    hours_per_interval = plan.timeline.interval_min / 60
    out = []
    for q, name in enumerate(plan.queues):
        classes = [c for c in range(len(plan.classes)) if q in plan.class_queues[c]]
        skilled = sum(len(plan.classes[c]) for c in classes)
        out.append(
            {
                "queue": name,
                "required_agent_hours": round(float(p.required[q].sum()) * hours_per_interval, 1),
                "skilled_agents": skilled,
                "max_paid_hours_of_skilled_agents": round(float(p.class_week_max_paid[classes].sum()) / 60, 1),
            }
        )
    return out


def diagnose(bound: ServiceBound, target: float, time_limit_s: float) -> dict[str, Any]:
    """What binds without a budget, and the hiring estimate that would lift the bound to `target`."""
    ceiling, lp = bound.solve(None, time_limit_s, duals=True)
    out: dict[str, Any] = {
        "service_level_upper_bound_without_budget": ceiling.service_level_upper,
        "capacity_by_queue": capacity_by_queue(bound),
    }
    if lp.duals is None:
        out["note"] = "the relaxation without a budget did not finish in its time: raise --time-limit-s"
        return out
    values = bound.class_values(lp)
    out["classes"] = [
        {
            "agents": v.agents,
            "kind": v.description,
            "binding": list(v.binding),
            "contacts_per_added_agent": round(v.contacts_per_agent, 1),
        }
        for v in values
    ]
    out["hiring"] = hire(bound, ceiling, values[0] if values else None, target, time_limit_s)
    return out


def hire(bound: ServiceBound, ceiling: BoundPoint, best: Any, target: float, time_limit_s: float) -> dict[str, Any]:
    """How many agents like `best` (a `ClassValue`) lift the bound without a budget to `target`."""
    if ceiling.lost_contacts_lower is None or ceiling.service_level_upper is None:
        return {"estimate": True, "agents": None, "note": "no bound without a budget"}
    if ceiling.service_level_upper >= target:
        return {
            "estimate": True,
            "agents": 0,
            "note": "the relaxation without a budget reaches the target, so no hiring is shown to be needed; "
            "no roster found reached it — more hours or a longer --time-limit-s may",
        }
    if best is None or best.contacts_per_agent <= 1e-9:
        return {
            "estimate": True,
            "agents": None,
            "note": "no more agents like today's lift the bound: the operating hours or the shift templates "
            "bind (add templates or lengths that cover the short intervals)",
        }
    short = ceiling.lost_contacts_lower - (1 - target) * bound.contacts
    n = max(1, math.ceil(short / best.contacts_per_agent))
    members = bound.plan.classes[best.klass]
    after = None
    for _ in range(HIRE_ATTEMPTS):
        n = min(n, MAX_HIRES_FACTOR * len(bound.agents))
        after = ServiceBound(bound.inputs, clones(bound.agents, members, n)).at(None, time_limit_s)
        if after.service_level_upper is None or after.service_level_upper >= target:
            break
        gained = ceiling.lost_contacts_lower - (after.lost_contacts_lower or ceiling.lost_contacts_lower)
        n = math.ceil(n * short / gained) if gained > 1e-9 else n * 2
    model = bound.agents[members[0]]
    return {
        "estimate": True,
        "agents": n,
        "like_agent": model.agent_id,
        "kind": best.description,
        "skills": sorted(model.skills),
        "min_hours_week": model.min_hours_week,
        "max_hours_week": model.max_hours_week,
        "max_days_week": model.max_days_week,
        "service_level_upper_bound_after": None if after is None else after.service_level_upper,
        "reaches_target": bool(
            after is not None and after.service_level_upper is not None and after.service_level_upper >= target
        ),
    }


def describe(diagnosis: dict[str, Any], target: float) -> list[str]:
    """Planner-readable lines of a diagnosis."""
    lines = [diagnosis["note"]] if diagnosis.get("note") else []
    top = diagnosis.get("service_level_upper_bound_without_budget")
    if top is not None and top < target:
        lines.append(
            f"{target:.0%} is out of reach with these agents: with every hour they can work, no roster "
            f"can exceed {top:.1%} service level"
        )
    elif top is not None:
        lines.append(f"with every hour the agents can work, no roster can exceed {top:.1%} service level")
    for c in diagnosis.get("classes", [])[:3]:
        if c["binding"]:
            lines.append(
                f"binding for {c['agents']} agent(s) [{c['kind']}]: {', '.join(c['binding'])} "
                f"(one more such agent: about {c['contacts_per_added_agent']:,.0f} contacts more in time)"
            )
    h = diagnosis.get("hiring", {})
    if h.get("agents"):
        after = h.get("service_level_upper_bound_after")
        reach = "" if after is None else f", bound then {after:.1%}"
        lines.append(
            f"hiring estimate: {h['agents']} more agent(s) like {h['like_agent']} [{h['kind']}] to lift "
            f"the curve to {target:.0%}{reach}"
        )
    elif h.get("note"):
        lines.append(f"hiring: {h['note']}")
    return lines
