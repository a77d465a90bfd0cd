"""``python -m demo [--port 8765] [--top 10]``: what ``make demo`` runs."""

from __future__ import annotations

import argparse

from demo.run import run_demo


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--port", type=int, default=8765, help="port of the demo boards")
    parser.add_argument("--top", type=int, default=10, help="how many leads to print")
    args = parser.parse_args(argv)
    run_demo(port=args.port, top=args.top)


if __name__ == "__main__":
    main()
