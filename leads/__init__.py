"""Lantern's domain core: models, scoring, the Elasticsearch store and the CLI."""

__version__ = "0.1.0"
