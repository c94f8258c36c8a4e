"""The worst small image files an uploader can send: tiny files that declare many pixels.

Each accepted one sits just under the default decode budget (HERITAGE_MAX_DECODE_BYTES,
224 MiB) by the estimate in app.photos.images, so together they are the most memory one
upload can make the server spend; the giants declare up to HERITAGE_MAX_IMAGE_PIXELS and
must be refused before a pixel is decoded. Every file is a solid colour, so it compresses to
kilobytes (a lossless WebP of 16000×4000 pixels is 38 bytes).
"""

import fcntl
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from app.photos import images  # noqa: F401  (registers the HEIF plugin with Pillow)


@dataclass(frozen=True)
class Worst:
    """A file to make: its name, how to write it, and the content type it is sent as."""

    name: str
    make: Callable[[Path], None]
    content_type: str


def _solid(mode: str, size: tuple[int, int]) -> Image.Image:
    colour = {"P": 3, "I;16": 40_000, "RGBA": (120, 90, 60, 200)}.get(mode, (120, 90, 60))
    return Image.new(mode, size, colour)


def _save(mode: str, size: tuple[int, int], **options: object) -> Callable[[Path], None]:
    return lambda path: _solid(mode, size).save(path, **options)


def _frames(size: tuple[int, int], **options: object) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        first, second = _solid("RGB", size), Image.new("RGB", size, (10, 20, 30))
        first.save(path, save_all=True, append_images=[second], **options)

    return make


LOSSLESS_WEBP = {"format": "WEBP", "lossless": True, "quality": 0, "method": 0}
DEFLATE_TIFF = {"format": "TIFF", "compression": "tiff_adobe_deflate"}
PNG = {"format": "PNG", "compress_level": 9}
HEIF = {"format": "HEIF", "quality": 10, "enc_params": {"preset": "ultrafast"}}

# Accepted, each estimated at 85–100 % of the default budget (checked by the tests).
WORST_ACCEPTED = [
    Worst("lossless.webp", _save("RGB", (3991, 2993), **LOSSLESS_WEBP), "image/webp"),
    Worst("rgba.png", _save("RGBA", (5534, 4150), **PNG), "image/png"),
    Worst("big.heic", _save("RGB", (5700, 4275), **HEIF), "image/heic"),
    Worst("pages.tif", _frames((7612, 5709), **DEFLATE_TIFF), "image/tiff"),
    Worst("animated.webp", _frames((3991, 2993), **LOSSLESS_WEBP), "image/webp"),
    Worst("palette.png", _save("P", (6877, 5157), **PNG), "image/png"),
    Worst("grey16.png", _save("I;16", (6324, 4743), **PNG), "image/png"),
    Worst(
        "progressive.jpg",
        _save("RGB", (6101, 4575), format="JPEG", progressive=True, subsampling=0, quality=30),
        "image/jpeg",
    ),
]
# Refused (422) from their headers: they declare the most pixels allowed, or (HEIC, slow to
# encode) enough to be over the budget.
GIANTS = [
    Worst("giant.webp", _save("RGB", (16000, 4000), **LOSSLESS_WEBP), "image/webp"),
    Worst("giant-animated.webp", _frames((16000, 4000), **LOSSLESS_WEBP), "image/webp"),
    Worst("giant.png", _save("RGBA", (16000, 4000), **PNG), "image/png"),
    Worst("giant.heic", _save("RGB", (7000, 5000), **HEIF), "image/heic"),
]


def make_all(folder: Path, worst: list[Worst]) -> dict[str, Path]:
    """The files in `folder`, written unless they are there already; their paths by name.

    `folder` should be named after this module's contents (see `cache_key`), so a file made
    by an older version of it is never used.
    """
    paths = {item.name: folder / item.name for item in worst}
    # pytest-xdist workers share a fresh cache: each file is made by whichever worker takes
    # its lock first, while the other goes on to the next file (the giants take seconds).
    pending = [item for item in worst if not paths[item.name].exists()]
    while pending:
        for item in list(pending):
            path = paths[item.name]
            with open(folder / f".{item.name}.lock", "w") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                if not path.exists():
                    partial = path.with_name(f".{item.name}.{os.getpid()}.part{path.suffix}")
                    item.make(partial)
                    partial.replace(path)
            pending.remove(item)
        if pending:
            time.sleep(0.05)
    return paths


def cache_key() -> str:
    """A name that changes whenever this module (the files' recipe) does."""
    return "worst-images-" + hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
