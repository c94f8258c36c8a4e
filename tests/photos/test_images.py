"""The Pillow pipeline on its own: formats, EXIF, orientation, colour, metadata, limits."""

import io

import pytest
from PIL import Image, ImageCms

from app.core.errors import Unprocessable
from app.photos import images
from tests.photos.pictures import BEL, exif, image_bytes, jpeg_bytes, two_colour_image, write

LIMIT = 64_000_000


def derivative_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_draft_mode_decodes_a_large_jpeg_at_reduced_scale_with_the_same_result(tmp_path):
    path = write(tmp_path, "big.jpg", jpeg_bytes(two_colour_image((3400, 2400))))

    drafted = images.process(path, max_pixels=LIMIT, use_draft=True)
    full = images.process(path, max_pixels=LIMIT, use_draft=False)

    assert (drafted.width, drafted.height) == (3400, 2400)  # the original's size
    for result in (drafted, full):
        assert (result.preview.width, result.preview.height) == (1600, 1129)
        assert (result.thumbnail.width, result.thumbnail.height) == (256, 181)
    a, b = derivative_image(drafted.preview.data), derivative_image(full.preview.data)
    for point in ((100, 500), (1500, 500)):
        assert (
            max(abs(x - y) for x, y in zip(a.getpixel(point), b.getpixel(point), strict=True)) < 10
        )


def test_exif_in_the_southern_and_western_hemispheres_is_negative(tmp_path):
    data = jpeg_bytes(exif_data=exif(gps=(-13.1631, -72.5450)))  # Machu Picchu
    facts = images.process(write(tmp_path, "p.jpg", data), max_pixels=LIMIT).exif
    assert facts.gps_lat == pytest.approx(-13.1631, abs=1e-6)
    assert facts.gps_lon == pytest.approx(-72.5450, abs=1e-6)


def test_a_camera_without_a_fix_writes_null_island_which_is_no_position(tmp_path):
    data = jpeg_bytes(exif_data=exif(gps=(0.0, 0.0)))
    facts = images.process(write(tmp_path, "p.jpg", data), max_pixels=LIMIT).exif
    assert (facts.gps_lat, facts.gps_lon) == (None, None)


def test_a_capture_time_without_offset_is_kept_but_not_turned_into_utc(tmp_path):
    data = jpeg_bytes(exif_data=exif(offset=None))
    facts = images.process(write(tmp_path, "p.jpg", data), max_pixels=LIMIT).exif
    assert facts.camera_taken_at == "2016-03-27T10:15:00"
    assert facts.taken_at is None


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_broken_exif_gives_no_facts_but_the_photo_is_kept(tmp_path):
    data = jpeg_bytes(exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff garbage")
    result = images.process(write(tmp_path, "p.jpg", data), max_pixels=LIMIT)
    assert result.exif == images.ExifFacts()
    assert result.format == "JPEG"


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_derivatives_are_upright_for_every_rotation(tmp_path, orientation):
    data = jpeg_bytes(exif_data=exif(orientation=orientation))
    result = images.process(write(tmp_path, "p.jpg", data), max_pixels=LIMIT)
    preview = derivative_image(result.preview.data)
    # The blue half of 400×200 ends at the top (6), bottom (8) or right (3).
    expected_size = (400, 200) if orientation == 3 else (200, 400)
    assert preview.size == expected_size
    blue_at = {3: (300, 100), 6: (100, 100), 8: (100, 300)}[orientation]
    assert preview.getpixel(blue_at)[2] > 180


def test_metadata_and_colour_profiles_are_not_carried_into_derivatives(tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = jpeg_bytes(
        exif_data=exif(gps=BEL, orientation=1), icc_profile=srgb, comment=b"secret camp"
    )
    result = images.process(write(tmp_path, "p.jpg", data), max_pixels=LIMIT)
    for derivative in (result.preview, result.thumbnail):
        image = derivative_image(derivative.data)
        assert "icc_profile" not in image.info and "exif" not in image.info
        assert "comment" not in image.info
        assert b"secret camp" not in derivative.data


@pytest.mark.parametrize(
    ("image", "image_format"),
    [
        (two_colour_image(mode="CMYK"), "JPEG"),
        (two_colour_image(mode="RGBA"), "PNG"),
        (two_colour_image(mode="P"), "PNG"),
        (two_colour_image(mode="L"), "TIFF"),
        (Image.new("I;16", (300, 200), 40_000), "PNG"),
        (two_colour_image(mode="RGBA"), "WEBP"),
    ],
    ids=["cmyk-jpeg", "rgba-png", "palette-png", "grey-tiff", "16-bit-png", "rgba-webp"],
)
def test_every_colour_mode_gives_a_jpeg_derivative(tmp_path, image, image_format):
    path = write(tmp_path, "p.img", image_bytes(image_format, image))
    result = images.process(path, max_pixels=LIMIT)
    preview = derivative_image(result.preview.data)
    assert preview.format == "JPEG" and preview.mode in ("RGB", "L")
    if image.mode == "I;16":
        assert 140 < preview.getpixel((10, 10)) < 170  # 40000/65535 of white, not clipped


def test_a_one_pixel_image_works_when_the_minimum_side_allows_it(tmp_path):
    path = write(tmp_path, "dot.png", image_bytes("PNG", Image.new("RGB", (1, 1), "red")))
    result = images.process(path, max_pixels=LIMIT, min_side=1)
    assert (result.preview.width, result.thumbnail.height) == (1, 1)
    with pytest.raises(Unprocessable, match="at least 32 pixels"):
        images.process(path, max_pixels=LIMIT, min_side=32)


def test_the_pixel_limit_is_the_configured_one(tmp_path):
    path = write(tmp_path, "p.png", image_bytes("PNG", two_colour_image((200, 100))))
    assert images.process(path, max_pixels=20_000).width == 200
    with pytest.raises(Unprocessable, match="more than the 19999 pixels"):
        images.process(path, max_pixels=19_999)


def test_haversine_distance_is_right_on_a_meridian():
    assert images.haversine_m((34.0, 38.0), (35.0, 38.0)) == pytest.approx(111_195, abs=5)
    assert images.haversine_m(BEL, BEL) == 0


def test_a_truncated_file_is_refused_even_after_a_library_allowed_truncated_images(
    tmp_path, monkeypatch
):
    from PIL import ImageFile

    data = jpeg_bytes(two_colour_image((800, 600)))
    path = write(tmp_path, "cut.jpg", data[: len(data) // 2])
    # WeasyPrint, used for PDF reports, sets this for the whole process when imported.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)

    with pytest.raises(Unprocessable, match="truncated"):
        images.process(path, max_pixels=LIMIT)
