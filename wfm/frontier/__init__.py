"""`wfm frontier`: what the contract's hours buy (docs/frontier.md).

- `grid`: the budgets to visit and the target, checked before any solve;
- `bound`: the aggregate model's LP relaxation as an upper bound on service level at a budget;
- `points`: one checked roster at a budget (what the pool or Dask runs);
- `search`: the bracket of the least budget holding the target, and its refinement;
- `diagnose`: what binds when more hours stop buying service, and the hiring estimate;
- `estimate`: the contract's target and `wfm run`'s quick hours estimate;
- `chart`: frontier.svg / frontier.png;
- `run`: the whole command, written atomically.
"""
