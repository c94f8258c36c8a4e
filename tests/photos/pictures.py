"""Real images made with Pillow for the tests: JPEGs with EXIF (GPS, orientation), PNGs, bombs."""

import io
import struct
import zlib
from pathlib import Path

from PIL import Image
from PIL.ExifTags import GPS, IFD, Base
from PIL.TiffImagePlugin import IFDRational

# The Temple of Bel, Palmyra (tests.factories.monument_fields).
BEL = (34.54738, 38.27393)
# The Palmyra museum, about 1.4 km west-north-west of the temple.
MUSEUM = (34.55220, 38.26100)
# Damascus, some 215 km away.
DAMASCUS = (33.5138, 36.2765)


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return IFDRational(degrees), IFDRational(minutes), IFDRational(round(seconds * 10_000), 10_000)


def exif(
    *,
    gps: tuple[float, float] | None = None,
    orientation: int | None = None,
    make: str = "Canon",
    model: str = "Canon EOS 5D Mark III",
    taken: str | None = "2016:03:27 10:15:00",
    offset: str | None = "+03:00",
) -> Image.Exif:
    """EXIF as a camera writes it: make, model, capture time, orientation, GPS."""
    data = Image.Exif()
    data[Base.Make] = make
    data[Base.Model] = model
    if orientation is not None:
        data[Base.Orientation] = orientation
    details = data.get_ifd(IFD.Exif)
    if taken:
        details[Base.DateTimeOriginal] = taken
    if offset:
        details[Base.OffsetTimeOriginal] = offset
    if gps is not None:
        lat, lon = gps
        position = data.get_ifd(IFD.GPSInfo)
        position[GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
        position[GPS.GPSLatitude] = _dms(lat)
        position[GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
        position[GPS.GPSLongitude] = _dms(lon)
    return data


def two_colour_image(size: tuple[int, int] = (400, 200), mode: str = "RGB") -> Image.Image:
    """Left half blue, right half red: rotating it shows where each half went."""
    width, height = size
    image = Image.new("RGB", size, (220, 0, 0))
    image.paste((0, 0, 220), (0, 0, width // 2, height))
    return image.convert(mode)


def jpeg_bytes(
    image: Image.Image | None = None, *, exif_data: Image.Exif | None = None, **save: object
) -> bytes:
    """A JPEG of the image (two colours by default), with EXIF if given."""
    out = io.BytesIO()
    params = {"quality": 90, **save}
    if exif_data is not None:
        params["exif"] = exif_data
    (image or two_colour_image()).save(out, format="JPEG", **params)
    return out.getvalue()


def image_bytes(image_format: str, image: Image.Image | None = None, **save: object) -> bytes:
    """The image (two colours by default) in any format Pillow writes."""
    out = io.BytesIO()
    (image or two_colour_image()).save(out, format=image_format, **save)
    return out.getvalue()


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A tiny PNG that claims `width`×`height` pixels: what a decompression bomb looks like.

    Written by hand (a few rows of data) so the test never allocates the pixels itself.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\x00" * (width + 1) * 16, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    """Save bytes under tmp_path, as a phone would have the file."""
    path = tmp_path / name
    path.write_bytes(data)
    return path
