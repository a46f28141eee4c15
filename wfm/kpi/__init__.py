"""Contract KPIs from what actually happened: contact log, agent state log, roster, contract.

`run_kpi` is the entry point of `wfm kpi`: read (`readers`), compute (`compute`, from the sums of
`contacts` and `agents`), judge against the contract (`contract`), write (`output`).
"""

from wfm.kpi.compute import KpiOptions, KpiTables, compute_kpis
from wfm.kpi.contract import ContractTerms, evaluate_contract, load_contract
from wfm.kpi.output import KpiRun, render_kpi_page, run_kpi, write_kpis
from wfm.kpi.readers import read_contacts, read_roster, read_states

__all__ = [
    "ContractTerms",
    "KpiOptions",
    "KpiRun",
    "KpiTables",
    "compute_kpis",
    "evaluate_contract",
    "load_contract",
    "read_contacts",
    "read_roster",
    "read_states",
    "render_kpi_page",
    "run_kpi",
    "write_kpis",
]
