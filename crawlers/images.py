"""Fingerprints of ad pictures: SHA-256 of the bytes and a perceptual hash (pHash), which
stays the same when a photo is resized or recompressed and so links reposted photos.

Pictures are untrusted input: Pillow's decompression-bomb limit is lowered, and a file
that is not a readable image is an error for the caller to record, not a crash.
"""

from __future__ import annotations

import hashlib
import io
import warnings

import imagehash
from PIL import Image

# A 50-megapixel "photo" in an ad is an attack or an error; Pillow refuses past this.
Image.MAX_IMAGE_PIXELS = 50_000_000


class ImageError(ValueError):
    pass


def fingerprint(body: bytes) -> tuple[str, str, int, int]:
    """(sha256, phash, width, height) of an image file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(body)) as image:
                image.load()
                width, height = image.size
                phash = str(imagehash.phash(image))
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            SyntaxError) as exc:  # fmt: skip
        raise ImageError(f"not a readable image ({type(exc).__name__}: {exc})") from None
    return hashlib.sha256(body).hexdigest(), phash, width, height
