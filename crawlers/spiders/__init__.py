"""Spiders. One generic spider; sites differ by profile, not by code."""
