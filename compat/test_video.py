"""video/snapshot and video/info through oss2, as a mobile app asks for a poster frame of the video it just uploaded:
clips made here with ffmpeg's lavfi sources, frames decoded with Pillow and measured."""

import base64
import io
import json
import os
import random
import subprocess
import tempfile

import oss2
import pytest
import requests
from PIL import Image


def make_clip(arguments, suffix=".mp4"):
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "clip" + suffix)
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *arguments, path], check=True, timeout=120)
        with open(path, "rb") as file:
            return file.read()


@pytest.fixture(scope="module")
def clip():
    # 4 s of 640x360 H.264 at 25 fps, a keyframe every 2 s, and AAC audio; the index at the front, as phones write it.
    return make_clip(["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
                      "-t", "4", "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p",
                      "-c:a", "aac", "-movflags", "+faststart"])


@pytest.fixture
def videos(bucket, clip):
    bucket.put_object("clip.mp4", clip)
    return bucket


def picture(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("process,size,format", [
    ("video/snapshot,t_1000,f_jpg,w_320,h_240", (320, 240), "JPEG"),
    ("video/snapshot,t_1000,f_png,w_320", (320, 180), "PNG"),
    ("video/snapshot,t_0,f_jpg", (640, 360), "JPEG"),
    ("video/snapshot,t_2500,f_jpg,h_90,m_fast", (160, 90), "JPEG"),
    ("video/snapshot,t_600000,f_png,w_64", (64, 36), "PNG"),
])
def test_snapshot(videos, process, size, format):
    result = videos.get_object("clip.mp4", process=process)
    image = picture(result.read())
    assert (image.size, image.format) == (size, format)
    assert result.headers["Content-Type"] == ("image/png" if format == "PNG" else "image/jpeg")
    # The answer is a new image: the source's checksum is not claimed for it.
    assert "x-oss-hash-crc64ecma" not in result.headers


def test_snapshot_is_cached_by_the_source_etag(videos, clip):
    process = "video/snapshot,t_1500,f_jpg,w_200,h_0"
    first = videos.get_object("clip.mp4", process=process)
    body = first.read()
    assert first.headers["X-Silo-Image-Cache"] == "miss"
    again = videos.get_object("clip.mp4", process=process)
    assert again.read() == body and again.headers["X-Silo-Image-Cache"] == "hit"
    # A new upload under the key is a new source: the cached frame is not served for it.
    videos.put_object("clip.mp4", clip)
    assert videos.get_object("clip.mp4", process=process).headers["X-Silo-Image-Cache"] == "miss"


def test_info(videos, clip):
    result = videos.get_object("clip.mp4", process="video/info")
    assert result.headers["Content-Type"].startswith("application/json")
    info = json.loads(result.read())
    assert info["Size"] == len(clip)
    assert "mp4" in info["FormatName"] and abs(info["Duration"] - 4) < 0.1
    assert info["StreamCount"] == 2 and (info["VideoWidth"], info["VideoHeight"]) == (640, 360)
    [video] = info["VideoStreams"]
    [audio] = info["AudioStreams"]
    assert (video["CodecName"], video["Width"], video["Height"], video["FrameRate"]) == ("h264", 640, 360, "25/1")
    assert audio["CodecName"] == "aac" and audio["SampleRate"] > 0


def test_objects_in_parts_and_encrypted_objects_are_read_too(bucket, clip):
    # A resumable upload from a phone stores the video in parts; SSE-OSS seals it: both are copied privately first.
    part_size = 100 * 1024
    upload = bucket.init_multipart_upload("parts.mp4").upload_id
    parts = []
    for number, offset in enumerate(range(0, len(clip), part_size), start=1):
        result = bucket.upload_part("parts.mp4", upload, number, clip[offset:offset + part_size])
        parts.append(oss2.models.PartInfo(number, result.etag))
    bucket.complete_multipart_upload("parts.mp4", upload, parts)
    bucket.put_object("sealed.mp4", clip, headers={"x-oss-server-side-encryption": "AES256"})
    for key in ("parts.mp4", "sealed.mp4"):
        image = picture(bucket.get_object(key, process="video/snapshot,t_3000,f_jpg,w_96,h_54").read())
        assert image.size == (96, 54)


def test_snapshot_saved_as_an_object(videos):
    target = base64.urlsafe_b64encode(b"posters/clip.jpg").decode().rstrip("=")
    result = videos.process_object("clip.mp4", "video/snapshot,t_1000,f_jpg,w_160,h_90|sys/saveas,o_" + target)
    assert result.status == 200
    assert picture(videos.get_object("posters/clip.jpg").read()).size == (160, 90)
    with pytest.raises(oss2.exceptions.OssError) as error:
        videos.process_object("clip.mp4", "video/info|sys/saveas,o_" + target)
    assert error.value.status == 400


def test_snapshot_piped_into_image_actions(videos):
    # The frame, then OSS's image actions on it: a square thumbnail with a text watermark, as a poster.
    text = base64.urlsafe_b64encode("Silo".encode()).decode().rstrip("=")
    process = "video/snapshot,t_1000,f_jpg,w_320|image/resize,m_fill,w_96,h_96/watermark,text_" + text + "|image/format,png"
    result = videos.get_object("clip.mp4", process=process)
    image = picture(result.read())
    assert (image.size, image.format) == ((96, 96), "PNG")
    assert result.headers["Content-Type"] == "image/png"
    assert result.headers["X-Silo-Image-Cache"] == "miss"
    assert videos.get_object("clip.mp4", process=process).headers["X-Silo-Image-Cache"] == "hit"
    # The frame itself is cached on its own: another pipeline on it decodes no video again.
    frame = videos.get_object("clip.mp4", process="video/snapshot,t_1000,f_jpg,w_320")
    assert frame.headers["X-Silo-Image-Cache"] == "hit" and picture(frame.read()).size == (320, 180)
    target = base64.urlsafe_b64encode(b"posters/square.jpg").decode().rstrip("=")
    videos.process_object("clip.mp4", "video/snapshot,t_0,f_jpg|image/resize,m_fill,w_48,h_48|sys/saveas,o_" + target)
    assert picture(videos.get_object("posters/square.jpg").read()).size == (48, 48)
    # The image actions read an image watermark as the caller, like any image pipeline.
    mark = base64.urlsafe_b64encode(b"no-such-mark.png").decode().rstrip("=")
    with pytest.raises(oss2.exceptions.OssError) as error:
        videos.get_object("clip.mp4", process="video/snapshot,t_0,f_jpg|image/watermark,image_" + mark)
    assert error.value.status in (400, 404)
    with pytest.raises(oss2.exceptions.OssError) as error:
        videos.get_object("clip.mp4", process="video/info|image/resize,w_10")
    assert (error.value.status, error.value.code) == (400, "InvalidArgument")


def test_snapshot_needs_read_access_also_through_presigned_urls(videos):
    url = videos.sign_url("GET", "clip.mp4", 300, params={"x-oss-process": "video/snapshot,t_1000,f_jpg,w_64,h_36"})
    response = requests.get(url, timeout=60)
    assert response.status_code == 200 and picture(response.content).size == (64, 36)
    anonymous = oss2.Bucket(oss2.AnonymousAuth(), videos.endpoint, videos.bucket_name)
    with pytest.raises(oss2.exceptions.OssError) as error:
        anonymous.get_object("clip.mp4", process="video/snapshot,t_1000,f_jpg")
    assert error.value.status == 403
    assert requests.get(url.replace("w_64", "w_65"), timeout=30).status_code == 403


@pytest.mark.parametrize("process,code", [
    ("video/snapshot,t_1000", "MissingArgument"),
    ("video/snapshot,t_1000,f_gif", "InvalidArgument"),
    ("video/snapshot,t_1000,f_jpg,w_5000", "InvalidArgument"),
    ("video/convert,f_mp4", "InvalidArgument"),
])
def test_bad_parameters(videos, process, code):
    with pytest.raises(oss2.exceptions.OssError) as error:
        videos.get_object("clip.mp4", process=process)
    assert (error.value.status, error.value.code) == (400, code)


def test_hostile_files_get_a_4xx_and_the_server_stays_healthy(videos):
    # Without faststart the index is at the end, so a truncated upload has none.
    index_last = make_clip(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2", "-c:v", "libx264",
                            "-preset", "ultrafast"])
    # One 9000x9000 frame that compresses to almost nothing: decoding it would need far more than it weighs.
    bomb = make_clip(["-f", "lavfi", "-i", "color=black:size=9000x9000:rate=1", "-frames:v", "1", "-c:v", "ffv1"],
                     suffix=".mkv")
    assert len(bomb) < 64 * 1024
    unreadable = {
        "text.mp4": b"this is not a video at all",
        "truncated.mp4": index_last[: len(index_last) // 2],
        "header-only.mp4": index_last[:64],
        # Fixed bytes: about one random file in 200 reads as LRC lyrics, which is not media either, but a test must
        # not depend on luck.
        "random.mp4": bytes(random.Random(7).getrandbits(8) for _ in range(200_000)),
    }
    for key, data in unreadable.items():
        videos.put_object(key, data)
        for process in ("video/snapshot,t_1000,f_jpg", "video/info"):
            try:
                answer = videos.get_object(key, process=process).read()
            except oss2.exceptions.OssError as error:
                assert (error.status, error.code) == (400, "BadRequest"), (key, process)
            else:
                pytest.fail("%s with %s was answered 200: %r" % (key, process, answer[:300]))
    # The bomb's description is harmless; its frame is refused before it is decoded.
    videos.put_object("bomb.mkv", bomb)
    assert json.loads(videos.get_object("bomb.mkv", process="video/info").read())["VideoWidth"] == 9000
    with pytest.raises(oss2.exceptions.OssError) as error:
        videos.get_object("bomb.mkv", process="video/snapshot,t_0,f_jpg")
    assert (error.value.status, error.value.code) == (400, "InvalidArgument")
    assert picture(videos.get_object("clip.mp4", process="video/snapshot,t_1000,f_jpg,w_32,h_18").read()).size == (32, 18)
