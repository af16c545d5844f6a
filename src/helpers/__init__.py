"""Helpers for the ics-deficits research report: acquisition, cleaning, models, plots, report."""
