"""Offline replays of the social-media APIs Lantern's collectors call (Mastodon,
Bluesky AppView and Jetstream, Telegram public previews), with fictional, seeded data
and scripted failures. Loopback only; see FORMATS.md for where each shape comes from."""

from demo.replay.fixtures import CROSS_POST_TEXT, World
from demo.replay.jetstream import JetstreamReplay
from demo.replay.server import RequestRecord, SocialReplay

__all__ = ["CROSS_POST_TEXT", "JetstreamReplay", "RequestRecord", "SocialReplay", "World"]
