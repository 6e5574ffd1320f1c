"""Asynchronous media jobs (x-oss-async-process) through oss2's own async_process_object: a rendition and a series of
frames of a clip made here with ffmpeg, stored as objects by the job workers; checked by probing the outputs."""

import base64
import hashlib
import hmac
import io
import json
import os
import subprocess
import tempfile
import time
import urllib.request

import oss2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from PIL import Image

from conftest import random_name
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SiloServer
from test_events import Receiver
from test_video import make_clip


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def wait_for_condition(condition, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def b64(text):
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.fixture(scope="module")
def clip():
    return make_clip(["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
                      "-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"])


def wait_for(bucket, key, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if bucket.object_exists(key):
            return bucket.get_object(key).read()
        time.sleep(0.2)
    raise AssertionError("%s was not written within %d s" % (key, timeout))


def probe(data):
    with tempfile.NamedTemporaryFile() as file:
        file.write(data)
        file.flush()
        out = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format",
                              file.name], capture_output=True, check=True, text=True).stdout
    return json.loads(out)


def test_video_convert_writes_the_rendition(bucket, clip):
    bucket.put_object("in.mp4", clip)
    result = bucket.async_process_object(
        "in.mp4", "video/convert,f_mp4,vcodec_h264,s_320x180,fps_15,vb_300000,acodec_aac,ab_64000|sys/saveas,o_%s"
        % b64("out/small.mp4"))
    assert result.status == 200
    assert result.task_id.startswith("silo-") and result.event_id and result.async_request_id
    info = probe(wait_for(bucket, "out/small.mp4"))
    video = [s for s in info["streams"] if s["codec_type"] == "video"][0]
    audio = [s for s in info["streams"] if s["codec_type"] == "audio"][0]
    assert (video["codec_name"], video["width"], video["height"], video["r_frame_rate"]) == ("h264", 320, 180, "15/1")
    assert audio["codec_name"] == "aac" and abs(float(info["format"]["duration"]) - 3) < 0.3
    assert bucket.head_object("out/small.mp4").content_type == "video/mp4"


def test_audio_convert_and_snapshot_series(bucket, clip):
    bucket.put_object("in.mp4", clip)
    bucket.async_process_object("in.mp4", "audio/convert,f_mp3,ab_96000|sys/saveas,o_%s" % b64("audio/in.mp3"))
    bucket.async_process_object("in.mp4", "video/snapshots,f_jpg,inter_1000,num_3,w_160|sys/saveas,o_%s"
                                % b64("frames/{index}.jpg"))
    info = probe(wait_for(bucket, "audio/in.mp3"))
    assert [s["codec_name"] for s in info["streams"]] == ["mp3"]
    for index in (1, 2, 3):
        frame = Image.open(io.BytesIO(wait_for(bucket, "frames/%d.jpg" % index)))
        assert frame.format == "JPEG" and frame.size == (160, 90)
    assert not bucket.object_exists("frames/4.jpg")


def test_submission_is_authorized_and_checked(bucket, silo, clip):
    bucket.put_object("in.mp4", clip)
    with pytest.raises(oss2.exceptions.OssError) as error:
        bucket.async_process_object("in.mp4", "video/convert,f_gif|sys/saveas,o_%s" % b64("x.gif"))
    assert (error.value.status, error.value.code) == (400, "InvalidArgument")
    with pytest.raises(oss2.exceptions.OssError) as error:
        bucket.async_process_object("missing.mp4", "video/convert,f_mp4|sys/saveas,o_%s" % b64("x.mp4"))
    assert (error.value.status, error.value.code) == (404, "NoSuchKey")
    with pytest.raises(oss2.exceptions.OssError) as error:
        bucket.async_process_object("in.mp4", "video/convert,f_mp4|sys/saveas,o_%s,b_%s" % (b64("x.mp4"), b64("nobucket")))
    assert (error.value.status, error.value.code) == (404, "NoSuchBucket")
    anonymous = oss2.Bucket(oss2.AnonymousAuth(), bucket.endpoint, bucket.bucket_name)
    with pytest.raises(oss2.exceptions.OssError) as error:
        anonymous.async_process_object("in.mp4", "video/convert,f_mp4|sys/saveas,o_%s" % b64("x.mp4"))
    assert error.value.status == 403


def silo_cli(server, *args):
    env = dict(os.environ, SILO_ENDPOINT=server.endpoint, SILO_ACCESS_KEY_ID=ACCESS_KEY_ID,
               SILO_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET)
    return subprocess.run([server.binary] + list(args), capture_output=True, text=True, env=env, check=True, timeout=60)


def job_status(server, bucket, task):
    return json.loads(silo_cli(server, "jobs", "show", bucket, task, "--json").stdout)


def transcoders():
    """ffmpeg processes encoding HEVC: the kill test's own (compat tests run one at a time)."""
    out = subprocess.run(["pgrep", "-f", "libx265"], capture_output=True, text=True).stdout
    return out.split()


def test_status_and_a_signed_webhook(receiver, clip):
    server = SiloServer(extra_args=["--callback-policy", "loopback"])
    server.start()
    try:
        name = random_name("vj")
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, name)
        bucket.create_bucket()
        bucket.put_object("in.mp4", clip)
        # The bucket's HMAC key; the job names its own topic, which the bucket's key signs too.
        secret = "a shared media webhook key for this test"
        silo_cli(server, "events", "media-set", name, "--secret", secret)
        shown = json.loads(silo_cli(server, "events", "media-show", name, "--json").stdout)
        assert shown["hasSecret"] is True and "secret" not in shown and shown.get("endpoint") is None
        task = bucket.async_process_object(
            "in.mp4", "video/convert,f_webm,s_320x0|sys/saveas,o_%s/notify,topic_%s"
            % (b64("out/in.webm"), b64(receiver.url))).task_id
        assert wait_for_condition(lambda: job_status(server, name, task)["state"] == "succeeded", 120)
        status = job_status(server, name, task)
        assert status["outputs"] == ["out/in.webm"] and status["progress"] == 100 and status["attempts"] == 1
        assert status["process"] == "video/convert" and status["requester"].endswith(":root")
        info = probe(bucket.get_object("out/in.webm").read())
        assert [s["codec_name"] for s in info["streams"]] == ["vp9", "opus"]
        # The webhook: the task's status, signed with storage's key over the timestamp and the body.
        assert wait_for_condition(lambda: len(receiver.received) == 1, 30)
        headers, body = receiver.received[0]
        sent = json.loads(body)
        assert (sent["TaskId"], sent["State"], sent["Outputs"]) == (task, "succeeded", ["out/in.webm"])
        key_url = base64.b64decode(headers["x-oss-pub-key-url"]).decode()
        public_key = load_pem_public_key(urllib.request.urlopen(key_url).read())
        public_key.verify(base64.b64decode(headers["x-silo-signature"]),
                          headers["x-silo-timestamp"].encode() + b"\n" + body, padding.PKCS1v15(), hashes.SHA256())
        assert abs(int(headers["x-silo-timestamp"]) - time.time()) < 60
        expected = hmac.new(secret.encode(), headers["x-silo-timestamp"].encode() + b"\n" + body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["x-silo-hmac-sha256"], expected)
        assert wait_for_condition(lambda: job_status(server, name, task)["notifyState"] == "delivered", 30)
        assert "HTTP 200" in job_status(server, name, task)["notifyLog"][-1]
        listed = json.loads(silo_cli(server, "jobs", "list", name, "--json").stdout)
        assert [job["taskId"] for job in listed] == [task]
        # An ended job cannot be cancelled into another state; an unknown task is a 404.
        assert json.loads(silo_cli(server, "jobs", "cancel", name, task, "--json").stdout)["state"] == "succeeded"
        missing = subprocess.run([server.binary, "jobs", "show", name, "silo-none"], capture_output=True, text=True,
                                 env=dict(os.environ, SILO_ENDPOINT=server.endpoint, SILO_ACCESS_KEY_ID=ACCESS_KEY_ID,
                                          SILO_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET))
        assert missing.returncode != 0 and "NoSuchTask" in missing.stderr + missing.stdout
    finally:
        server.cleanup()


def test_a_kill_mid_transcode_restarts_the_job_and_never_leaves_a_partial_object():
    long_clip = make_clip(["-f", "lavfi", "-i", "testsrc2=size=960x540:rate=30", "-t", "20", "-c:v", "libx264",
                           "-preset", "ultrafast", "-pix_fmt", "yuv420p"])
    server = SiloServer(extra_args=["--media-job-lease-seconds", "3"])
    server.start()
    try:
        name = random_name("vk")
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, name)
        bucket.create_bucket()
        bucket.put_object("long.mp4", long_clip)
        task = bucket.async_process_object("long.mp4", "video/convert,f_mp4,vcodec_h265|sys/saveas,o_%s"
                                           % b64("out/long.mp4")).task_id
        assert wait_for_condition(lambda: job_status(server, name, task)["state"] == "running" and transcoders(), 60)
        # Progress comes from ffmpeg's own reports against the source's duration, with each lease renewal.
        assert wait_for_condition(lambda: 0 < job_status(server, name, task)["progress"] < 100, 30)
        server.kill()
        # ffmpeg's progress pipe breaks with Silo: no orphan goes on transcoding.
        assert wait_for_condition(lambda: not transcoders(), 10), transcoders()
        server.start()
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, name)
        # No partial target is ever seen: it does not exist until the restarted job stores it, and is whole from
        # the moment it does. (The job's state turns succeeded just after its outputs are stored, so the object
        # may be seen a moment before; CI once polled inside that moment.)
        first_seen = None
        while job_status(server, name, task)["state"] in ("queued", "running"):
            if first_seen is None and bucket.object_exists("out/long.mp4"):
                first_seen = bucket.get_object("out/long.mp4").read()
            time.sleep(0.5)
        if first_seen is not None:
            early = probe(first_seen)
            assert early["streams"][0]["codec_name"] == "hevc" and abs(float(early["format"]["duration"]) - 20) < 0.5
        status = job_status(server, name, task)
        assert status["state"] == "succeeded" and status["attempts"] == 2, status
        # The killed attempt's half-written output went with the restart: the work folder holds nothing now.
        assert os.listdir(os.path.join(server.data_dir, "media-work")) == []
        info = probe(bucket.get_object("out/long.mp4").read())
        assert info["streams"][0]["codec_name"] == "hevc" and abs(float(info["format"]["duration"]) - 20) < 0.5
    finally:
        server.cleanup()
