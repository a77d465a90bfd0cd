"""Data for legal process: record holders per selector kind and request templates
(leads/legalprocess.py reads them)."""
