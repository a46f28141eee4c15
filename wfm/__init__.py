"""wfm: workforce-management scheduling for contact centers (forecast → requirements → schedule → report)."""

__version__ = "0.1.0"
