"""Checking an uploaded image, reading its EXIF and making its derivatives, with Pillow.

Everything here works on a file path and plain values, so the benchmark can time the same
pipeline without HTTP. Refusals are registry errors: `415` for a file that is not one of the
accepted formats, `422` for an accepted format that cannot be used (empty, truncated,
corrupt, too many pixels, too small).
"""

import ctypes
import hashlib
import io
import logging
import math
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms, ImageFile, UnidentifiedImageError
from PIL.ExifTags import GPS, IFD, Base

from app.core.errors import (
    RegistryError,
    ServiceUnavailable,
    Unprocessable,
    UnsupportedMediaType,
)
from app.core.time import as_utc

log = logging.getLogger(__name__)

try:  # HEIC, as iPhones save photos; the plugin bundles libheif.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_FORMATS: tuple[str, ...] = ("HEIF",)
except ImportError:  # pragma: no cover - the project depends on pillow-heif
    HEIF_FORMATS = ()


@dataclass(frozen=True)
class Format:
    """An accepted image format: its media type and the extension files are served with."""

    content_type: str
    extension: str


# Pillow's format names. Phones write MPO (a JPEG with extra pictures after the first one,
# such as depth maps); it is a JPEG to every reader.
FORMATS: dict[str, Format] = {
    "JPEG": Format("image/jpeg", "jpg"),
    "MPO": Format("image/jpeg", "jpg"),
    "PNG": Format("image/png", "png"),
    "WEBP": Format("image/webp", "webp"),
    "TIFF": Format("image/tiff", "tif"),
    **{name: Format("image/heic", "heic") for name in HEIF_FORMATS},
}
# The decoders tried on an upload (MPO files are opened by the JPEG decoder).
DECODERS = [name for name in FORMATS if name != "MPO"]
ACCEPTED = "JPEG, PNG, WebP, TIFF" + (" or HEIC" if HEIF_FORMATS else "")

# First bytes of each accepted format, to tell "a damaged JPEG" (422) from "not an image" (415).
_SIGNATURES = (
    (re.compile(rb"\A\xff\xd8\xff", re.S), "JPEG"),
    (re.compile(rb"\A\x89PNG\r\n\x1a\n", re.S), "PNG"),
    (re.compile(rb"\ARIFF....WEBP", re.S), "WebP"),
    (re.compile(rb"\A(II\*\x00|MM\x00\*)", re.S), "TIFF"),
    (re.compile(rb"\A....ftyp(heic|heix|mif1|msf1|hevc)", re.S), "HEIC"),
)
# Other formats people send by mistake, named in the 415 answer.
_OTHER_SIGNATURES = (
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"<svg", "an SVG drawing"),
    (b"<?xml", "an XML document"),
)

THUMBNAIL_BOX = 256
PREVIEW_BOX = 1600
DERIVATIVE_TYPE = "image/jpeg"


def configure_pillow(*, max_pixels: int, max_decode_bytes: int | None = None) -> None:
    """Process-wide Pillow settings: the pixel limit, with its warning treated as an error,
    and the memory that decoding may take at once in this process."""
    global _BUDGET
    Image.MAX_IMAGE_PIXELS = max_pixels
    # Pillow only warns between one and two times the limit; a bomb is a bomb.
    warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
    if HEIF_FORMATS:
        # Only the primary picture is decoded: no depth maps or auxiliary images (memory),
        # and never an embedded thumbnail in its place, which a crafted file could make
        # show another picture than the original.
        pillow_heif.options.THUMBNAILS = False
        pillow_heif.options.DEPTH_IMAGES = False
        pillow_heif.options.AUX_IMAGES = False
    if max_decode_bytes is not None:
        _BUDGET = DecodeBudget(max_decode_bytes)
    _return_large_buffers_at_once()


# Pillow's picture memory comes in blocks of at most PILLOW_BLOCK_BYTES; up to PILLOW_BLOCKS
# freed ones are kept for reuse (see `_return_large_buffers_at_once`): 32 MiB at most.
PILLOW_BLOCK_BYTES = 2 * 1024 * 1024
PILLOW_BLOCKS = 16
# glibc's mallopt parameter for the size from which allocations are mapped on their own.
_M_MMAP_THRESHOLD = -3


def _return_large_buffers_at_once() -> None:
    """Make glibc give every large buffer back to the system as soon as it is freed.

    By default glibc raises its mmap threshold (up to 32 MiB) each time a large buffer is
    freed, so later decoder buffers (Pillow's 16 MiB blocks, libheif's planes) come from
    per-thread heaps that keep the memory after the decode: four uploads on four threads
    would leave four decodes' worth of memory behind. A fixed threshold turns that off.
    """
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # pragma: no cover - not glibc (musl, macOS)
        return
    mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
    # With every large buffer mapped afresh, each picture Pillow makes (the decoded one, the
    # scaled ones, the upright copy) faulted in zeroed pages: 20-40 ms of a 12-MP photo's
    # ~100-120 ms, in the server and not in the bare pipeline. Pillow keeps freed blocks for
    # the next picture instead: one cache for the whole process, whatever the number of
    # threads, so what stays after the decodes is bounded (PILLOW_BLOCKS × PILLOW_BLOCK_BYTES)
    # and not a heap per thread. Small blocks of one size are reused whole; Pillow's default
    # (16 MiB blocks, each resized to its picture) would shrink them and fault again.
    Image.core.set_block_size(PILLOW_BLOCK_BYTES)
    Image.core.set_blocks_max(PILLOW_BLOCKS)


class DecodeBudget:
    """The bytes of memory the decoders of this process may hold at once.

    Each decode reserves its estimated cost before it starts and gives it back when done;
    one that does not fit waits for others to finish (at most `wait_seconds`, then 503),
    so four worst-case uploads at once cost what one does, not four times as much.
    """

    def __init__(self, total_bytes: int, *, wait_seconds: float = 60.0) -> None:
        self.total_bytes = total_bytes
        self.wait_seconds = wait_seconds
        self.in_use = 0
        self._condition = threading.Condition()

    @contextmanager
    def reserve(self, cost: int) -> Iterator[None]:
        """Hold `cost` bytes of the budget while the block runs."""
        cost = min(cost, self.total_bytes)
        with self._condition:
            if not self._condition.wait_for(
                lambda: self.in_use + cost <= self.total_bytes, timeout=self.wait_seconds
            ):
                raise ServiceUnavailable(
                    "The server is decoding other large images right now; nothing was "
                    f"stored. Send the photo again in {BUSY_RETRY_SECONDS} seconds.",
                    headers={"Retry-After": str(BUSY_RETRY_SECONDS)},
                )
            self.in_use += cost
        try:
            yield
        finally:
            with self._condition:
                self.in_use -= cost
                self._condition.notify_all()


BUSY_RETRY_SECONDS = 10
DEFAULT_MAX_DECODE_BYTES = 224 * 1024 * 1024
_BUDGET = DecodeBudget(DEFAULT_MAX_DECODE_BYTES)


@dataclass(frozen=True)
class ExifFacts:
    """What the camera recorded, as far as it can be trusted to parse."""

    camera_make: str | None = None
    camera_model: str | None = None
    # Capture time as the camera wrote it (ISO 8601, with its UTC offset when it had one),
    # and in UTC when the offset is known.
    camera_taken_at: str | None = None
    taken_at: datetime | None = None
    orientation: int | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None


@dataclass(frozen=True)
class Derivative:
    """A derived JPEG: its bytes, their hash and its size in pixels."""

    data: bytes
    sha256: str
    width: int
    height: int


@dataclass(frozen=True)
class ProcessedImage:
    """An accepted image: its format, size, EXIF facts and derivatives."""

    format: str
    content_type: str
    extension: str
    width: int
    height: int
    exif: ExifFacts
    thumbnail: Derivative
    preview: Derivative


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = "".join(c for c in value if c.isprintable()).strip()
    return value[:100] or None


def _capture_time(exif: Image.Exif, details: dict[int, Any]) -> tuple[str | None, datetime | None]:
    raw = _text(details.get(Base.DateTimeOriginal) or exif.get(Base.DateTime))
    if not raw:
        return None, None
    try:
        local = datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None, None
    offset = _text(details.get(Base.OffsetTimeOriginal) or details.get(Base.OffsetTime))
    match = re.fullmatch(r"([+-])(\d\d):(\d\d)", offset or "")
    if not match:
        return local.isoformat(), None
    sign = 1 if match[1] == "+" else -1
    zone = timezone(sign * timedelta(hours=int(match[2]), minutes=int(match[3])))
    aware = local.replace(tzinfo=zone)
    return aware.isoformat(), as_utc(aware)


def _coordinate(value: Any, ref: Any, negative: str) -> float | None:
    degrees, minutes, seconds = (float(part) for part in value)
    result = degrees + minutes / 60 + seconds / 3600
    if _text(ref) == negative:
        result = -result
    return result if math.isfinite(result) else None


def _gps_position(gps: dict[int, Any]) -> tuple[float | None, float | None]:
    try:
        lat = _coordinate(gps[GPS.GPSLatitude], gps.get(GPS.GPSLatitudeRef), "S")
        lon = _coordinate(gps[GPS.GPSLongitude], gps.get(GPS.GPSLongitudeRef), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    # Cameras without a fix often write 0,0 ("null island"): that is no position.
    if lat == 0 and lon == 0:
        return None, None
    return round(lat, 7), round(lon, 7)


def read_exif(image: Image.Image) -> ExifFacts:
    """Camera, capture time, orientation and GPS position; unreadable EXIF gives no facts."""
    try:
        exif = image.getexif()
        details = exif.get_ifd(IFD.Exif)
        camera_taken_at, taken_at = _capture_time(exif, details)
        lat, lon = _gps_position(exif.get_ifd(IFD.GPSInfo))
        orientation = exif.get(Base.Orientation)
        return ExifFacts(
            camera_make=_text(exif.get(Base.Make)),
            camera_model=_text(exif.get(Base.Model)),
            camera_taken_at=camera_taken_at,
            taken_at=taken_at,
            orientation=orientation if orientation in range(1, 9) else None,
            gps_lat=lat,
            gps_lon=lon,
        )
    except Exception:
        # EXIF is whatever the camera (or an editor) wrote; a photo with broken EXIF is
        # still evidence, it just has no camera facts.
        log.info("unreadable EXIF", exc_info=True)
        return ExifFacts()


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two WGS84 (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


def fit_within(width: int, height: int, box: int) -> tuple[int, int]:
    """The size of a width × height picture scaled down to fit a box × box square."""
    scale = min(1.0, box / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _to_display_colours(image: Image.Image) -> Image.Image:
    """RGB (or L) pixels in sRGB, whatever the source mode and colour profile."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: fall back to Pillow's plain conversion
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "P", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _derivative(image: Image.Image, box: int, quality: int) -> tuple[Image.Image, Derivative]:
    resized = image.copy() if max(image.size) > box else image
    if resized is not image:
        resized.thumbnail((box, box), Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    # Nothing of the original's metadata (EXIF, GPS, XMP, ICC, comments) goes along.
    resized.info = {}
    out = io.BytesIO()
    resized.save(out, format="JPEG", quality=quality)
    data = out.getvalue()
    return resized, Derivative(
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        width=resized.width,
        height=resized.height,
    )


def _sniff(path: Path) -> str:
    with path.open("rb") as file:
        head = file.read(32)
    for pattern, name in _SIGNATURES:
        if pattern.match(head):
            raise Unprocessable(f"The file starts like a {name} image but cannot be read.")
    for prefix, name in _OTHER_SIGNATURES:
        if head.lstrip().startswith(prefix):
            return name
    return "not an image this service reads"


# --- what decoding costs -------------------------------------------------------------------
# Decoding is the one step whose memory grows with the picture, and the declared size of a
# picture is free to choose: a 38-byte lossless WebP declares 16000×4000 pixels. So the cost
# is estimated from the header before a pixel is decoded, and refused or waited for.
#
# Figures per pixel of the declared size, checked by tests/photos/test_decode_budget.py
# (which fails if a decoder takes more than its estimate):
# - Pillow keeps 1 byte per pixel in modes 1, L and P, 2 in I;16 and 4 in every other mode
#   (RGB is stored as RGBX); scaling LA and RGBA first makes a premultiplied copy.
# - libwebp (Pillow's WebPAnimDecoder, used for every WebP) keeps the canvas and the
#   previous canvas, 4 bytes each, and hands Pillow a copy: 12 more.
# - libheif keeps its YCbCr planes, then an interleaved 8-bit RGB(A) copy that Pillow copies.
# - A progressive JPEG keeps every DCT coefficient of the full-size picture (2 bytes per
#   sample, by its chroma subsampling), however small the scale it is decoded at.
# Only the first frame of a multi-frame file (MPO, multi-page TIFF, animated WebP or PNG,
# HEIF sequence) is decoded, so a file's cost is one frame's: seeking to later frames is
# what would decode them, and nothing here seeks.
_WEBP_CANVASES = 12.0
_HEIF_CHROMA_SHARE = {400: 0.0, 420: 0.25, 422: 0.5, 444: 1.0}
# Modes that Pillow cannot scale (or only by nearest neighbour) are converted at full size
# first, at the cost of the converted copy.
_CONVERT_FIRST = {
    "1": "L",
    "PA": "RGBA",
    "I;16": "I",
    "I;16L": "I",
    "I;16B": "I",
    "I;16N": "I",
}
_PREMULTIPLIED = frozenset({"LA", "RGBA"})
REDUCING_GAP = 3.0
# Derivatives, colour conversion, JPEG encoders and the interpreter's own allocations.
_FIXED_COST = 16 * 1024 * 1024


def _working_mode(image: Image.Image) -> str:
    """The mode the decoded picture is scaled in."""
    if image.mode == "P":
        return "RGBA" if "transparency" in image.info else "RGB"
    return _CONVERT_FIRST.get(image.mode, image.mode)


def _decoder_overhead(image: Image.Image) -> float:
    """Bytes per declared pixel that the decoder holds besides Pillow's own picture."""
    if image.format == "WEBP":
        return _WEBP_CANVASES
    if image.format == "HEIF":
        sample = 1 if (image.info.get("bit_depth") or 8) <= 8 else 2
        chroma = _HEIF_CHROMA_SHARE.get(image.info.get("chroma"), 1.0)
        alpha = "A" in image.mode
        rgb = 4 if alpha else 3
        planes = sample * (1 + 2 * chroma + (1 if alpha else 0))
        # Decoding holds the planes and the RGB copy; loading, the RGB copy and Pillow's 4.
        return max(planes + rgb, rgb + 4) - 4 + 0.5
    if image.format in ("JPEG", "MPO", "PNG", "TIFF"):
        return 0.0
    return 4.0  # a format added later without a measurement: assume a full copy


def _bytes_per_pixel(mode: str) -> int:
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def _coefficient_bytes(image: Image.Image, width: int, height: int) -> int:
    """What libjpeg keeps of a progressive JPEG: each component's full-size coefficients."""
    layers = getattr(image, "layer", None) or [("", 1, 1, 0)] * 3
    most_h = max(layer[1] for layer in layers) or 1
    most_v = max(layer[2] for layer in layers) or 1
    total = 0
    for _, h_samples, v_samples, _ in layers:
        blocks_x = math.ceil(width * h_samples / most_h / 8)
        blocks_y = math.ceil(height * v_samples / most_v / 8)
        total += blocks_x * blocks_y * 64 * 2
    return total


def _resize_cost(width: int, height: int, bytes_per_pixel: int, box: int) -> int:
    """Memory of Pillow's `resize(…, reducing_gap=REDUCING_GAP)` to fit `box`: the reduced
    copy, the horizontal pass and the result."""
    target_w, target_h = fit_within(width, height, box)
    factor_x = max(1, int(width / target_w / REDUCING_GAP))
    factor_y = max(1, int(height / target_h / REDUCING_GAP))
    reduced_w, reduced_h = math.ceil(width / factor_x), math.ceil(height / factor_y)
    reduced = reduced_w * reduced_h if factor_x > 1 or factor_y > 1 else 0
    return (reduced + target_w * reduced_h + target_w * target_h) * bytes_per_pixel


def decode_cost(image: Image.Image, declared: tuple[int, int]) -> int:
    """Bytes of memory that decoding `image` (opened, drafted, not loaded) and scaling it to
    the preview will hold at its peak."""
    width, height = image.size  # after `draft`, the scale it will be decoded at
    declared_pixels = declared[0] * declared[1]
    cost = width * height * _bytes_per_pixel(image.mode)
    cost += int(declared_pixels * _decoder_overhead(image))
    if image.format in ("JPEG", "MPO") and image.info.get("progressive"):
        cost += _coefficient_bytes(image, *declared)
    mode = _working_mode(image)
    if mode != image.mode:
        cost += width * height * _bytes_per_pixel(mode)
    if max(width, height) > PREVIEW_BOX:
        if mode in _PREMULTIPLIED:
            cost += width * height * 4
        cost += _resize_cost(width, height, _bytes_per_pixel(mode), PREVIEW_BOX)
    return cost + _FIXED_COST


def _refuse_if_over_budget(cost: int, max_decode_bytes: int, size: tuple[int, int]) -> None:
    if cost > max_decode_bytes:
        mib = 1024 * 1024
        raise Unprocessable(
            f"Decoding this {size[0]}×{size[1]} image would take about {cost // mib} MiB of "
            f"memory, more than the {max_decode_bytes // mib} MiB allowed for one image (a "
            "decompression bomb, or a picture to reduce or save as JPEG first)."
        )


def _scaled_for_preview(image: Image.Image) -> Image.Image:
    """The decoded picture, scaled to fit the preview box, in a mode that can be scaled well."""
    mode = _working_mode(image)
    working = image.convert(mode) if mode != image.mode else image
    if max(working.size) <= PREVIEW_BOX:
        return working.copy() if working is image else working
    size = fit_within(*working.size, PREVIEW_BOX)
    return working.resize(size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)


# The transposition that makes a picture upright, by its EXIF orientation (as ImageOps does).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _upright(image: Image.Image, orientation: int | None) -> Image.Image:
    """The (already scaled) picture turned as the camera's orientation tag says."""
    method = _UPRIGHT.get(orientation or 1)
    return image if method is None else image.transpose(method)


def process(
    path: Path,
    *,
    max_pixels: int,
    min_side: int = 1,
    use_draft: bool = True,
    max_decode_bytes: int | None = None,
) -> ProcessedImage:
    """Verify an image file and make its derivatives; raise 415 or 422 if it is unusable.

    JPEGs are decoded at a reduced scale (Pillow's draft mode) no smaller than the preview
    needs: decoding the whole file still proves it is complete, at a fraction of the cost.
    Every other format is decoded once at full size and scaled down at once; no full-size
    copy is made after that. What decoding will cost is estimated from the header first:
    past `max_decode_bytes` the file is refused (422), and the process-wide decode budget
    makes concurrent decodes wait for each other (503 if that takes too long).
    """
    budget = _BUDGET
    limit = min(max_decode_bytes or budget.total_bytes, budget.total_bytes)
    if path.stat().st_size == 0:
        raise Unprocessable("The file is empty (0 bytes); attach the photo itself.")
    # Pillow pads truncated files into "valid" images when this process-wide flag is on, and
    # WeasyPrint (PDF reports) turns it on when it is imported: switch it back off before
    # every check, or a cut-off upload would be accepted as evidence.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(path, formats=DECODERS) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise Unprocessable(
                    f"The image is {width}×{height} pixels, more than the {max_pixels} "
                    "pixels accepted (a decompression bomb, or a scan to reduce first)."
                )
            if min(width, height) < min_side:
                raise Unprocessable(
                    f"The image is {width}×{height} pixels; photos need at least {min_side} "
                    "pixels on each side to show anything."
                )
            image_format = image.format or ""
            if use_draft and image_format in ("JPEG", "MPO"):
                image.draft("RGB", fit_within(width, height, PREVIEW_BOX))
            cost = decode_cost(image, (width, height))
            _refuse_if_over_budget(cost, limit, (width, height))
            with budget.reserve(cost):
                # Within the budget: a PNG's EXIF may follow its pixels, so Pillow decodes
                # them to look for it.
                facts = read_exif(image)
                image.load()
                scaled = _scaled_for_preview(image)
                # The decoder's buffers go now, before the small picture is worked on.
                image.close()
                pixels = _to_display_colours(_upright(scaled, facts.orientation))
    except RegistryError:
        raise
    except UnidentifiedImageError:
        what = _sniff(path)
        raise UnsupportedMediaType(
            f"The file is {what}; photos must be {ACCEPTED} images.",
            accepted=sorted({f.content_type for f in FORMATS.values()}),
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise Unprocessable(f"The image has too many pixels to decode safely: {error}") from None
    except Exception as error:
        # Whatever a decoder raises on untrusted bytes (OSError for truncation, SyntaxError,
        # ValueError, struct and zlib errors…) means the file cannot be used.
        raise Unprocessable(
            f"The image cannot be decoded ({type(error).__name__}: {error}); it is truncated "
            "or corrupt. Upload the original file again."
        ) from None
    image_type = FORMATS[image_format]
    preview_image, preview = _derivative(pixels, PREVIEW_BOX, quality=85)
    _, thumbnail = _derivative(preview_image, THUMBNAIL_BOX, quality=80)
    return ProcessedImage(
        format=image_format,
        content_type=image_type.content_type,
        extension=image_type.extension,
        width=width,
        height=height,
        exif=facts,
        thumbnail=thumbnail,
        preview=preview,
    )
