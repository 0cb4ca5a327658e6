"""Reporting: the HTML report, the notebook runner and pairing."""
