"""Lantern's extraction: a spaCy pipeline of rule components whose patterns are data.

Entry point: :func:`nlp.pipeline.extract`.
"""
