"""x-oss-process through oss2, as the seed's mobile app asks for thumbnails: images made here with Pillow,
outputs decoded with Pillow and measured."""

import io
import json

import oss2
import pytest
import requests
from PIL import Image

from conftest import random_name


def jpeg(width, height):
    out = io.BytesIO()
    picture = Image.new("RGB", (width, height), (40, 90, 200))
    picture.paste((255, 0, 0), (0, 0, width // 4, height // 4))
    picture.save(out, format="JPEG", quality=90)
    return out.getvalue()


def png_with_alpha(width, height):
    out = io.BytesIO()
    picture = Image.new("RGBA", (width, height), (0, 200, 0, 255))
    picture.paste((0, 0, 0, 0), (width // 2, 0, width, height))
    picture.save(out, format="PNG")
    return out.getvalue()


def decode(data):
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


@pytest.fixture
def photos(bucket):
    bucket.put_object("photo.jpg", jpeg(400, 300))
    bucket.put_object("alpha.png", png_with_alpha(120, 80))
    return bucket


@pytest.mark.parametrize("process,size,format", [
    ("image/resize,w_200", (200, 150), "JPEG"),
    ("image/resize,m_fill,w_100,h_100", (100, 100), "JPEG"),
    ("image/resize,m_pad,w_100,h_100", (100, 100), "JPEG"),
    ("image/resize,m_fixed,w_50,h_80", (50, 80), "JPEG"),
    ("image/resize,m_mfit,w_100,h_100", (133, 100), "JPEG"),
    ("image/resize,p_50/format,png", (200, 150), "PNG"),
    ("image/resize,w_120/format,webp/quality,Q_70", (120, 90), "WEBP"),
    ("image/resize,w_1000", (400, 300), "JPEG"),
    ("image/crop,w_100,h_75,x_10,y_10,r_1", (100, 75), "JPEG"),
    ("image/rotate,90/resize,w_150", (150, 200), "JPEG"),
    ("image/resize,w_100/blur,r_3,s_2/bright,10/contrast,20/sharpen,100/format,png", (100, 75), "PNG"),
])
def test_get_object_with_process(photos, process, size, format):
    result = photos.get_object("photo.jpg", process=process)
    data = result.read()
    picture = decode(data)
    assert picture.size == size and picture.format == format
    assert result.headers["Content-Type"] == Image.MIME[format]
    assert int(result.headers["Content-Length"]) == len(data)
    assert "x-oss-hash-crc64ecma" not in result.headers


def test_alpha_becomes_white_in_jpeg(photos):
    picture = decode(photos.get_object("alpha.png", process="image/format,jpg").read())
    assert picture.format == "JPEG" and picture.size == (120, 80)
    red, green, blue = picture.getpixel((100, 40))
    assert min(red, green, blue) > 240, "the transparent half is white"
    assert picture.getpixel((10, 40))[1] > 150, "the opaque half keeps its green"


def test_info(photos):
    info = json.loads(photos.get_object("photo.jpg", process="image/info").read())
    assert info["ImageWidth"]["value"] == "400" and info["ImageHeight"]["value"] == "300"
    assert info["Format"]["value"] == "jpg"
    assert info["FileSize"]["value"] == str(len(jpeg(400, 300)))


@pytest.mark.parametrize("process,status,code", [
    ("image/resize,w_0", 400, "InvalidArgument"),
    ("image/resize", 400, "MissingArgument"),
    ("image/frobnicate,1", 400, "InvalidArgument"),
    ("image/watermark,text_!!!", 400, "BadRequest"),
    ("style/nope", 404, "NoSuchStyle"),
])
def test_bad_process_strings_get_the_spec_error(photos, process, status, code):
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.get_object("photo.jpg", process=process)
    assert error.value.status == status and error.value.code == code


def test_corrupt_and_oversized_images_are_a_400(photos):
    photos.put_object("broken.jpg", jpeg(400, 300)[:700])
    photos.put_object("text.jpg", b"this is not an image")
    for key in ["broken.jpg", "text.jpg"]:
        with pytest.raises(oss2.exceptions.OssError) as error:
            photos.get_object(key, process="image/resize,w_100/format,png")
        assert error.value.status == 400, key
    # A PNG header claiming 40000 x 40000: refused from the header.
    bomb = io.BytesIO()
    Image.new("L", (1, 1)).save(bomb, format="PNG")
    data = bytearray(bomb.getvalue())
    data[16:24] = (40000).to_bytes(4, "big") * 2
    import zlib
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    photos.put_object("bomb.png", bytes(data))
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.get_object("bomb.png", process="image/resize,w_100")
    assert error.value.status == 400 and error.value.code == "ImageTooLarge"
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.get_object("photo.jpg", process="image/resize,m_fixed,w_16384,h_16384,limit_0")
    assert error.value.status == 400 and error.value.code == "ImageTooLarge"


def test_processing_needs_read_access_also_through_presigned_urls(photos):
    url = photos.sign_url("GET", "photo.jpg", 300, params={"x-oss-process": "image/resize,w_64"})
    response = requests.get(url, timeout=30)
    assert response.status_code == 200 and decode(response.content).size == (64, 48)
    anonymous = oss2.Bucket(oss2.AnonymousAuth(), photos.endpoint, photos.bucket_name)
    with pytest.raises(oss2.exceptions.OssError) as error:
        anonymous.get_object("photo.jpg", process="image/resize,w_64")
    assert error.value.status == 403
    tampered = url.replace("w_64", "w_65")
    assert requests.get(tampered, timeout=30).status_code == 403
