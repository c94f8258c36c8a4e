"""Checking an uploaded image, reading its EXIF and making its derivatives, with Pillow.

Everything here works on a file path and plain values, so the benchmark can time the same
pipeline without HTTP. Refusals are registry errors: `415` for a file that is not one of the
accepted formats, `422` for an accepted format that cannot be used (empty, truncated,
corrupt, too many pixels, too small).
"""

import hashlib
import io
import logging
import math
import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError
from PIL.ExifTags import GPS, IFD, Base

from app.core.errors import RegistryError, Unprocessable, UnsupportedMediaType
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


def configure_pillow(*, max_pixels: int) -> None:
    """Process-wide Pillow settings: the pixel limit, with its warning treated as an error."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    # Pillow only warns between one and two times the limit; a bomb is a bomb.
    warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


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
    resized = image.copy()
    resized.thumbnail((box, box), Image.Resampling.LANCZOS, reducing_gap=3.0)
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


def process(
    path: Path, *, max_pixels: int, min_side: int = 1, use_draft: bool = True
) -> ProcessedImage:
    """Verify an image file and make its derivatives; raise 415 or 422 if it is unusable.

    JPEGs are decoded at a reduced scale (Pillow's draft mode) no smaller than the preview
    needs: decoding the whole file still proves it is complete, at a fraction of the cost.
    """
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
            facts = read_exif(image)
            if use_draft and image_format in ("JPEG", "MPO"):
                image.draft("RGB", fit_within(width, height, PREVIEW_BOX))
            image.load()
            pixels = _to_display_colours(ImageOps.exif_transpose(image))
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
