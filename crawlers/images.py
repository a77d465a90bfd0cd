"""Fingerprints of ad pictures: SHA-256 of the bytes and a perceptual hash (pHash), which
stays the same when a photo is resized or recompressed and so links reposted photos.

The perceptual hash is ImageHash's ``phash``, bit for bit, so hashes stored before and
after stay comparable: the picture in grey at 32×32 (Lanczos), the 8×8 lowest
frequencies of its 2-D DCT-II, each set when above their median. The DCT is two small
matrix products here: importing SciPy for it cost a crawl up to a second of start-up.

Pictures are untrusted input: Pillow's decompression-bomb limit is lowered, and a file
that is not a readable image is an error for the caller to record, not a crash.
"""

from __future__ import annotations

import hashlib
import io
import warnings

import numpy as np
from PIL import Image

# A 50-megapixel "photo" in an ad is an attack or an error; Pillow refuses past this.
Image.MAX_IMAGE_PIXELS = 50_000_000

HASH_SIZE = 8  # 8×8 frequencies: a 64-bit hash
SAMPLE_SIZE = 32  # the grey picture's side (ImageHash's hash_size × highfreq_factor 4)
# The rows of the DCT-II basis for the kept frequencies, scaled as scipy.fftpack scales
# them (2·cos, no normalisation), so the coefficients are the ones ImageHash compares.
_SAMPLES = np.arange(SAMPLE_SIZE)
_DCT = 2 * np.cos(np.pi * np.arange(HASH_SIZE)[:, None] * (2 * _SAMPLES + 1) / (2 * SAMPLE_SIZE))
# A coefficient that is zero by symmetry (a flat or mirrored picture) comes out of the
# products as rounding noise (~1e-9, against values up to ~1e6); SciPy's FFT makes it an
# exact zero. Against the median, the noise would decide bits: it is cut to zero.
_ROUNDING_NOISE = 1e-6


class ImageError(ValueError):
    pass


def perceptual_hash(image: Image.Image) -> str:
    """The 64-bit pHash of a loaded picture, as 16 hex digits (ImageHash's ``str``)."""
    grey = image.convert("L").resize((SAMPLE_SIZE, SAMPLE_SIZE), Image.Resampling.LANCZOS)
    pixels = np.asarray(grey, dtype=np.float64)
    low = _DCT @ pixels @ _DCT.T
    low[np.abs(low) < _ROUNDING_NOISE] = 0.0
    return bytes(np.packbits(low > np.median(low))).hex()


def fingerprint(body: bytes) -> tuple[str, str, int, int]:
    """(sha256, phash, width, height) of an image file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(body)) as image:
                image.load()
                width, height = image.size
                phash = perceptual_hash(image)
    except (OSError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning,
            SyntaxError) as exc:  # fmt: skip
        raise ImageError(f"not a readable image ({type(exc).__name__}: {exc})") from None
    return hashlib.sha256(body).hexdigest(), phash, width, height
