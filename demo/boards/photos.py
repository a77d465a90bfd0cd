"""Synthetic "photos" for the demo boards: seeded shapes, rendered on request.

The same key always gives the same picture; the planted network reuses one key at
different sizes and formats, as reposted photos are resized and recompressed.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def render_photo(key: str, width: int = 320, fmt: str = "png") -> bytes:
    rng = random.Random(key)
    image = Image.new("RGB", (320, 240), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(300), rng.randrange(220)
        box = [x, y, x + rng.randrange(20, 120), y + rng.randrange(20, 120)]
        draw.ellipse(box, fill=tuple(rng.randrange(256) for _ in range(3)))
    width = max(32, min(width, 1280))
    image = image.resize((width, width * 3 // 4))
    out = io.BytesIO()
    if fmt == "jpg":
        image.save(out, "JPEG", quality=70)
    else:
        image.save(out, "PNG")
    return out.getvalue()
