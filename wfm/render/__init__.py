"""Rendering shared by the schedule report and the KPI page: HTML helpers and charts (no domain logic)."""
