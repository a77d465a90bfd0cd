"""Picture fingerprints: reposted photos match, broken or oversized files are refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from crawlers.images import ImageError, fingerprint
from demo.boards.photos import render_photo


def test_a_resized_recompressed_repost_has_the_same_perceptual_hash() -> None:
    original = fingerprint(render_photo("same", 320, "png"))
    repost = fingerprint(render_photo("same", 640, "jpg"))
    other = fingerprint(render_photo("other", 320, "png"))
    assert original[1] == repost[1] and original[0] != repost[0]
    assert original[1] != other[1]
    assert (original[2], original[3]) == (320, 240)


def test_garbage_is_an_error_not_a_crash() -> None:
    with pytest.raises(ImageError, match="not a readable image"):
        fingerprint(b"\x89PNG\r\n\x1a\n this is not really a png")


def test_a_decompression_bomb_is_refused() -> None:
    buffer = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buffer, "PNG")  # 81 megapixels, a few KB of file
    assert len(buffer.getvalue()) < 200_000
    with pytest.raises(ImageError, match="DecompressionBomb"):
        fingerprint(buffer.getvalue())
