"""The regional threat assessment: figures from Elasticsearch, two editions, HTML and PDF.

``build.assess`` computes every figure for a region and a period (``sex``, ``labor``,
``change``); ``editions`` turns them into the full or the shareable edition; ``render``
writes HTML and PDF with pictures from ``plots``. Each figure keeps the queries behind
it and a hash of the documents those queries matched.
"""
