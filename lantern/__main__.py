"""``python -m lantern``: the ``lantern`` console script."""

from lantern.cli import app

app()
