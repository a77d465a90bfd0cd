"""Assets the DAGs exchange (data-aware scheduling): new leads trigger linking."""

from airflow.sdk import Asset

LEADS = Asset("lantern://leads")
