"""``python -m lantern.cli``: the ``lantern`` console script."""

from lantern.cli import app

app()
