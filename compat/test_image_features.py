"""Styles, saveas, watermarks, shapes and the derived-image cache through oss2 and plain HTTP, against a real
silo; outputs decoded with Pillow. Authorization goes through STS sessions scoped to a prefix."""

import base64
import concurrent.futures
import io
import json

import oss2
import pytest
import requests
from PIL import Image

from conftest import random_name
from iam_helpers import app_server_with_role, assume_with_core_sdk, prefix_policy
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION
from test_image_process import decode, jpeg


def b64(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def solid(size, colour, format="PNG"):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=format)
    return out.getvalue()


def cache_state(result):
    return result.headers.get("X-Silo-Image-Cache")


@pytest.fixture
def photos(bucket):
    bucket.put_object("photo.jpg", jpeg(400, 300))
    bucket.put_object("white.png", solid((400, 300), (255, 255, 255)))
    bucket.put_object("logo.png", solid((40, 40), (0, 0, 255)))
    return bucket


def test_styles_api_and_use(photos):
    assert photos.put_bucket_style("thumb", "image/resize,w_100/format,png").status == 200
    assert photos.put_bucket_style("small", "image/resize,w_50").status == 200
    got = photos.get_bucket_style("thumb")
    assert (got.name, got.content) == ("thumb", "image/resize,w_100/format,png")
    assert got.create_time and got.last_modify_time
    listed = photos.list_bucket_style()
    assert [(s.name, s.content) for s in listed.styles] == [("small", "image/resize,w_50"),
                                                            ("thumb", "image/resize,w_100/format,png")]
    picture = decode(photos.get_object("photo.jpg", process="style/thumb").read())
    assert picture.size == (100, 75) and picture.format == "PNG"
    # Replacing a style changes what it does; its creation time stays.
    photos.put_bucket_style("thumb", "image/resize,w_60")
    assert photos.get_bucket_style("thumb").create_time == got.create_time
    assert decode(photos.get_object("photo.jpg", process="style/thumb").read()).size == (60, 45)
    assert photos.delete_bucket_style("thumb").status == 204
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.get_object("photo.jpg", process="style/thumb")
    assert (error.value.status, error.value.code) == (404, "NoSuchStyle")
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.get_bucket_style("thumb")
    assert (error.value.status, error.value.code) == (404, "NoSuchStyle")
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.delete_bucket_style("thumb")
    assert error.value.status == 404


def test_style_errors_and_limit(photos):
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.put_bucket_style("thumb", "")
    assert error.value.code == "InvalidArgument" and error.value.message == "Style content is invalid."
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.put_bucket_style("@%$^&", "image/resize,w_200")
    assert error.value.code == "InvalidArgument"
    # Stored as given, like the service; it fails when used.
    photos.put_bucket_style("odd", "csdar5324")
    assert photos.get_bucket_style("odd").content == "csdar5324"
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.get_object("photo.jpg", process="style/odd")
    assert error.value.status == 400
    for index in range(49):
        photos.put_bucket_style("s%02d" % index, "image/resize,w_10")
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.put_bucket_style("one-too-many", "image/resize,w_10")
    assert error.value.status == 400
    photos.put_bucket_style("s00", "image/resize,w_20")  # replacing is not adding


def test_saveas_with_oss2_process_object(photos):
    target = "derived/thumb.jpg"
    process = "image/resize,w_100|sys/saveas,o_%s,b_%s" % (
        base64.urlsafe_b64encode(target.encode()).decode(), base64.urlsafe_b64encode(photos.bucket_name.encode()).decode())
    result = photos.process_object("photo.jpg", process)
    assert result.status == 200 and result.bucket == photos.bucket_name and result.object == target
    stored = photos.get_object(target)
    assert stored.headers["Content-Type"] == "image/jpeg"
    data = stored.read()
    assert result.fileSize == len(data) and decode(data).size == (100, 75)
    # No bucket: the source's, answered as "".
    result = photos.process_object("photo.jpg", "image/resize,w_50/format,png|sys/saveas,o_%s" % b64("derived/p.png"))
    assert result.bucket == "" and result.object == "derived/p.png"
    assert decode(photos.get_object("derived/p.png").read()).format == "PNG"
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.process_object("photo.jpg", "image/info|sys/saveas,o_%s" % b64("x.json"))
    assert error.value.status == 400
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.process_object("photo.jpg", "image/resize,w_50|sys/saveas,o_%s,b_%s" % (b64("x.jpg"), b64(random_name("nobucket"))))
    assert error.value.code == "NoSuchBucket"
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.process_object("missing.jpg", "image/resize,w_50|sys/saveas,o_%s" % b64("x.jpg"))
    assert error.value.code == "NoSuchKey"


def test_derived_image_cache_hits_and_invalidation(photos):
    first = photos.get_object("photo.jpg", process="image/resize,w_123")
    assert cache_state(first) == "miss"
    body = first.read()
    # The same meaning in another spelling is the same cache entry.
    again = photos.get_object("photo.jpg", process="image/resize,limit_1,w_123,m_lfit")
    assert cache_state(again) == "hit" and again.read() == body
    photos.put_object("photo.jpg", jpeg(800, 600))
    fresh = photos.get_object("photo.jpg", process="image/resize,w_123")
    assert cache_state(fresh) == "miss" and decode(fresh.read()).size == (123, 92)
    photos.delete_object("photo.jpg")
    with pytest.raises(oss2.exceptions.NoSuchKey):
        photos.get_object("photo.jpg", process="image/resize,w_123")


def test_concurrent_identical_requests_are_computed_once(photos):
    url = photos.sign_url("GET", "photo.jpg", 300, params={"x-oss-process": "image/resize,w_77/quality,q_70"})
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: requests.get(url, timeout=60), range(8)))
    assert all(r.status_code == 200 for r in responses)
    states = [r.headers["X-Silo-Image-Cache"] for r in responses]
    assert states.count("miss") == 1, states
    assert len({r.content for r in responses}) == 1


def pixels_changed(a, b, box):
    left, top, right, bottom = box
    return sum(1 for x in range(left, right, 3) for y in range(top, bottom, 3)
               if max(abs(p - q) for p, q in zip(a.getpixel((x, y))[:3], b.getpixel((x, y))[:3])) > 30)


def test_text_and_image_watermarks(photos):
    plain = decode(photos.get_object("white.png", process="image/format,png").read()).convert("RGB")
    # The spec's own CJK example text, bottom right.
    text = "image/watermark,text_SGVsbG8g5Zu-54mH5pyN5YqhIQ,color_FF0000,size_30,g_se,x_10,y_10/format,png"
    marked = decode(photos.get_object("white.png", process=text).read()).convert("RGB")
    assert pixels_changed(plain, marked, (200, 240, 395, 295)) > 20
    assert pixels_changed(plain, marked, (0, 0, 200, 150)) == 0
    logo = "image/watermark,image_%s,g_nw,x_5,y_5/format,png" % b64("logo.png")
    stamped = decode(photos.get_object("white.png", process=logo).read()).convert("RGB")
    assert stamped.getpixel((25, 25)) == (0, 0, 255) and stamped.getpixel((60, 60)) == (255, 255, 255)
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.get_object("white.png", process="image/watermark,image_%s" % b64("no-such-logo.png"))
    assert (error.value.status, error.value.code) == (400, "WatermarkError")
    # The cached result depends on the watermark object too.
    photos.put_object("logo.png", solid((40, 40), (0, 255, 0)))
    restamped = photos.get_object("white.png", process=logo)
    assert cache_state(restamped) == "miss"
    assert decode(restamped.read()).convert("RGB").getpixel((25, 25)) == (0, 255, 0)


def test_shapes_hue_and_orientation(photos):
    disc = decode(photos.get_object("photo.jpg", process="image/circle,r_100/format,png").read())
    assert disc.size == (200, 200) and disc.mode == "RGBA"
    assert disc.getpixel((2, 2))[3] == 0 and disc.getpixel((100, 100))[3] == 255
    rounded = decode(photos.get_object("photo.jpg", process="image/rounded-corners,r_40/format,png").read())
    assert rounded.size == (400, 300) and rounded.getpixel((1, 1))[3] == 0
    assert decode(photos.get_object("photo.jpg", process="image/indexcrop,x_150,i_2").read()).size == (100, 300)
    photos.put_object("olive.png", solid((64, 48), (0x5C, 0x78, 0x3B)))
    assert json.loads(photos.get_object("olive.png", process="image/average-hue").read()) == {"RGB": "0x5C783B"}
    # A JPEG stored sideways with EXIF orientation 6 (shown turned 90° clockwise).
    stored = Image.new("RGB", (400, 300), (40, 90, 200))
    stored.paste((255, 0, 0), (0, 0, 100, 75))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    stored.save(out, format="JPEG", quality=95, exif=exif)
    photos.put_object("sideways.jpg", out.getvalue())
    info = json.loads(photos.get_object("sideways.jpg", process="image/info").read())
    assert info["Orientation"]["value"] == "6"
    upright = decode(photos.get_object("sideways.jpg", process="image/auto-orient,1/resize,w_150").read())
    assert upright.size == (150, 200)
    red, green, blue = upright.getpixel((140, 10))
    assert red > 200 and green < 60 and blue < 60, "the stored top-left corner is now top-right"



def test_output_formats_this_build_has(photos):
    # Debian 12's libvips writes HEIC (libheif) and BMP (ImageMagick) but has no AVIF encoder.
    heic = photos.get_object("photo.jpg", process="image/resize,w_64/format,heic")
    assert heic.headers["Content-Type"] == "image/heic" and heic.read()[4:12] == b"ftypheic"
    bmp = photos.get_object("photo.jpg", process="image/resize,w_64/format,bmp")
    assert decode(bmp.read()).size == (64, 48)
    with pytest.raises(oss2.exceptions.OssError) as error:
        photos.get_object("photo.jpg", process="image/format,avif")
    assert error.value.code == "NotImplemented"


@pytest.fixture(scope="module")
def app_server(silo):
    return app_server_with_role(silo)


def test_sts_session_needs_read_on_source_and_watermark_and_write_on_saveas_target(silo, app_server):
    key_id, secret, arn = app_server
    root = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, random_name("sts"), region=REGION)
    root.create_bucket()
    root.put_object("user1/photo.jpg", jpeg(400, 300))
    root.put_object("user1/logo.png", solid((40, 40), (0, 0, 255)))
    root.put_object("user2/private.png", solid((40, 40), (9, 9, 9)))
    ak, sk, token, _ = assume_with_core_sdk(silo, key_id, secret, arn, "user1", prefix_policy(root.bucket_name, "user1/"))
    user1 = oss2.Bucket(oss2.StsAuth(ak, sk, token), silo.endpoint, root.bucket_name, region=REGION)
    assert decode(user1.get_object("user1/photo.jpg", process="image/resize,w_64").read()).size == (64, 48)
    with pytest.raises(oss2.exceptions.OssError) as error:
        user1.get_object("user2/private.png", process="image/resize,w_10")
    assert error.value.status == 403
    own = "image/watermark,image_%s" % b64("user1/logo.png")
    assert user1.get_object("user1/photo.jpg", process=own).status == 200
    # Another user's object as a watermark would leak it into user1's picture.
    with pytest.raises(oss2.exceptions.OssError) as error:
        user1.get_object("user1/photo.jpg", process="image/watermark,image_%s" % b64("user2/private.png"))
    assert error.value.status == 403
    result = user1.process_object("user1/photo.jpg", "image/resize,w_32|sys/saveas,o_%s" % b64("user1/small.jpg"))
    assert result.object == "user1/small.jpg" and root.object_exists("user1/small.jpg")
    with pytest.raises(oss2.exceptions.OssError) as error:
        user1.process_object("user1/photo.jpg", "image/resize,w_32|sys/saveas,o_%s" % b64("user2/stolen.jpg"))
    assert error.value.status == 403
    assert not root.object_exists("user2/stolen.jpg")


def test_head_describes_the_processed_image(photos):
    url = photos.sign_url("HEAD", "photo.jpg", 300, params={"x-oss-process": "image/resize,w_50/format,png"})
    head = requests.head(url, timeout=30)
    assert head.status_code == 200 and head.headers["Content-Type"] == "image/png"
    body = photos.get_object("photo.jpg", process="image/resize,w_50/format,png").read()
    assert int(head.headers["Content-Length"]) == len(body)
    assert "x-oss-hash-crc64ecma" not in head.headers


def test_animated_gif_stays_animated_when_resized(photos):
    frames = [Image.new("RGB", (120, 80), colour) for colour in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    photos.put_object("moving.gif", out.getvalue())
    resized = decode(photos.get_object("moving.gif", process="image/resize,w_60").read())
    assert resized.format == "GIF" and resized.size == (60, 40) and resized.n_frames == 3
    resized.seek(1)
    assert resized.convert("RGB").getpixel((5, 5)) == (0, 255, 0)
    still = decode(photos.get_object("moving.gif", process="image/resize,w_60/format,png").read())
    assert still.format == "PNG" and still.size == (60, 40)


def test_styles_only_servers_refuse_arbitrary_process_strings():
    from silo_harness import SiloServer
    server = SiloServer(extra_args=["--image-processing", "styles"])
    server.start()
    try:
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, random_name("styled"), region=REGION)
        bucket.create_bucket()
        bucket.put_object("photo.jpg", jpeg(400, 300))
        bucket.put_bucket_style("thumb", "image/resize,w_80")
        assert decode(bucket.get_object("photo.jpg", process="style/thumb").read()).size == (80, 60)
        with pytest.raises(oss2.exceptions.OssError) as error:
            bucket.get_object("photo.jpg", process="image/resize,w_80")
        assert (error.value.status, error.value.code) == (403, "AccessDenied")
        with pytest.raises(oss2.exceptions.OssError) as error:
            bucket.process_object("photo.jpg", "image/resize,w_80|sys/saveas,o_%s" % b64("x.jpg"))
        assert error.value.status == 403
        assert bucket.process_object("photo.jpg", "style/thumb|sys/saveas,o_%s" % b64("x.jpg")).object == "x.jpg"
    finally:
        server.cleanup()
