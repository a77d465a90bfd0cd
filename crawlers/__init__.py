"""Lantern's collection: a Scrapy project driven by YAML site profiles."""

CRAWLER_VERSION = "lantern-crawler/0.1.0"
