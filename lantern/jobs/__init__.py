"""Jobs that join stages: what the command line and the Airflow DAGs both run.

Each takes an Elasticsearch client and the settings from its caller (the CLI makes them
from the environment, a DAG from its Airflow Connection), so the work is the same
wherever it runs.
"""
