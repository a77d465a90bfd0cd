"""``python -m demo.boards [--port 8765] [--seed 7]``: the demo boards on loopback."""

from demo.boards.server import main

main()
