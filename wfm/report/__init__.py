"""`wfm report`: charts and one self-contained HTML page from a schedule output folder.

`inputs` reads the folder, `charts` draws PNGs, `html` lays out the page (shared with `wfm kpi`),
`build` puts them together and writes the files.
"""

from wfm.report.build import DEFAULT_MAX_AGENTS, ReportFiles, choose_day, write_report
from wfm.report.inputs import ScheduleOutput, Summary, read_schedule_output

__all__ = [
    "DEFAULT_MAX_AGENTS",
    "ReportFiles",
    "ScheduleOutput",
    "Summary",
    "choose_day",
    "read_schedule_output",
    "write_report",
]
