"""Sample tips for the demo: fictional, dated just before the demo runs, and one of them
sharing a phone with the planted network (the phone is in its words, not its fields)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from demo.boards.generator import PLANTED_PHONE


def sample_tips(now: datetime) -> list[dict[str, object]]:
    day = timedelta(days=1)
    planted = f"({PLANTED_PHONE[:3]}) {PLANTED_PHONE[3:6]}-{PLANTED_PHONE[6:]}"
    return [
        {
            "received_at": (now - 3 * day).isoformat(timespec="seconds"),
            "channel": "hotline",
            "region": "CA",
            "reference": "DEMO-HL-0001",
            "text": "Caller saw ads for a young woman moved between Las Vegas and Los "
            f"Angeles; the number in the ads is {planted} and a man answers it.",
        },
        {
            "received_at": (now - 5 * day).isoformat(timespec="seconds"),
            "channel": "complaint",
            "region": "CA/Monterey",
            "reference": "DEMO-CP-0002",
            "text": "A former worker says passports were collected on arrival and twelve "
            "people share one trailer.",
            "employers": ["Big Valley Farms"],
        },
        {
            "received_at": (now - 8 * day).isoformat(timespec="seconds"),
            "channel": "partner",
            "region": "CA/Fresno",
            "text": "Outreach worker met two women at a truck stop who said a man holds "
            "their IDs. No names or numbers given.",
        },
        {
            "received_at": (now - 10 * day).isoformat(timespec="seconds"),
            "channel": "911",
            "region": "CA",
            "text": "Caller reports a girl who looks under 18 at a motel with an older man.",
            "phones": ["(213) 555-0100"],
        },
        {
            "received_at": (now - 12 * day).isoformat(timespec="seconds"),
            "channel": "hotline",
            "region": "GA",
            "text": "Worker says the crew leader charged a $500 recruitment fee before the season.",
            "employers": ["Fakename Orchards LLC"],
        },
        {  # refused, with the reason in one line: not a channel Lantern knows
            "received_at": (now - 2 * day).isoformat(timespec="seconds"),
            "channel": "fax",
            "region": "CA",
            "text": "A tip by fax.",
        },
    ]


def write_sample_tips(path: Path, now: datetime | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tips = sample_tips(now or datetime.now(UTC))
    path.write_text("".join(json.dumps(t) + "\n" for t in tips), encoding="utf-8")
    return path
