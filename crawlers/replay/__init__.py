"""Offline replays of the social-media APIs Lantern's collectors call (Mastodon,
Bluesky AppView and Jetstream, Telegram public previews), with fictional, seeded data
and scripted failures. Loopback only; see FORMATS.md for where each shape comes from."""

from crawlers.replay.fixtures import CROSS_POST_TEXT, World
from crawlers.replay.jetstream import JetstreamReplay
from crawlers.replay.server import RequestRecord, SocialReplay

__all__ = ["CROSS_POST_TEXT", "JetstreamReplay", "RequestRecord", "SocialReplay", "World"]
