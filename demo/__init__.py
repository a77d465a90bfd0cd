"""Lantern's demo: synthetic boards, social replay servers and sample DOL files, all
fictional and served on loopback, plus the demo's own site profiles and source registry.

``python -m demo`` (what ``make demo`` runs) points Lantern at them through its
settings and runs the real DAGs through Airflow. The product never imports this package;
the tests and benchmarks do.
"""

from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
PROFILES_DIR = DEMO_DIR / "profiles"
SOURCES_DIR = DEMO_DIR / "sources"
