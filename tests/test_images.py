"""Picture fingerprints: reposted photos match, broken or oversized files are refused."""

from __future__ import annotations

import io

import imagehash
import numpy as np
import pytest
from PIL import Image

from crawlers.images import ImageError, fingerprint, perceptual_hash
from demo.boards.photos import render_photo


def test_a_resized_recompressed_repost_has_the_same_perceptual_hash() -> None:
    original = fingerprint(render_photo("same", 320, "png"))
    repost = fingerprint(render_photo("same", 640, "jpg"))
    other = fingerprint(render_photo("other", 320, "png"))
    assert original[1] == repost[1] and original[0] != repost[0]
    assert original[1] != other[1]
    assert (original[2], original[3]) == (320, 240)


def test_the_perceptual_hash_is_imagehash_phash_bit_for_bit() -> None:
    """Hashes stored by earlier crawls stay comparable: ImageHash is the reference."""
    pictures: list[Image.Image] = [
        Image.open(io.BytesIO(render_photo(f"reference-{i}", width, fmt)))
        for i in range(40)
        for width, fmt in ((320, "png"), (800, "jpg"))
    ]
    noise = np.random.default_rng(7)
    pictures += [
        Image.fromarray(noise.integers(0, 256, (240, 320, 3), dtype=np.uint8)) for _ in range(20)
    ]
    # Pictures with frequencies that are zero by symmetry, where rounding would decide bits.
    ramp = np.tile(np.arange(256, dtype=np.uint8), (100, 1))
    pictures += [Image.fromarray(ramp), Image.fromarray(np.ascontiguousarray(ramp.T))]
    pictures += [
        Image.new(mode, (300, 200), colour)
        for mode, colour in (("RGB", (255, 255, 255)), ("L", 128), ("RGBA", (9, 200, 30, 99)))
    ]
    for picture in pictures:
        assert perceptual_hash(picture) == str(imagehash.phash(picture))


def test_garbage_is_an_error_not_a_crash() -> None:
    with pytest.raises(ImageError, match="not a readable image"):
        fingerprint(b"\x89PNG\r\n\x1a\n this is not really a png")


def test_a_decompression_bomb_is_refused() -> None:
    buffer = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buffer, "PNG")  # 81 megapixels, a few KB of file
    assert len(buffer.getvalue()) < 200_000
    with pytest.raises(ImageError, match="DecompressionBomb"):
        fingerprint(buffer.getvalue())
