"""Runs the replay servers for the demo until Ctrl-C:

python -m demo.replay --port 8766 --ws-port 8767 --seed 7
"""

from __future__ import annotations

import argparse
import threading

from demo.replay.fixtures import MASTODON_INSTANCES
from demo.replay.jetstream import JetstreamReplay
from demo.replay.server import SocialReplay


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m demo.replay", description=__doc__)
    parser.add_argument("--port", type=int, default=8766, help="HTTP port (0: any free port)")
    parser.add_argument("--ws-port", type=int, default=8767, help="Jetstream WebSocket port")
    parser.add_argument("--seed", type=int, default=7, help="fixture seed")
    args = parser.parse_args(argv)
    with (
        SocialReplay(port=args.port, seed=args.seed) as http,
        JetstreamReplay(port=args.ws_port, seed=args.seed) as jetstream,
    ):
        print(f"replay HTTP   {http.base_url}")
        for name in MASTODON_INSTANCES:
            print(f"  mastodon    {http.mastodon_url(name)}")
        print(f"  bluesky     {http.bsky_url}")
        print(f"  telegram    {http.telegram_url}")
        print(f"jetstream     {jetstream.url}")
        print("Ctrl-C to stop", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopping")


if __name__ == "__main__":
    main()
