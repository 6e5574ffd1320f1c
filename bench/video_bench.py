#!/usr/bin/env python3
"""Video snapshots: a 20 s 1080p H.264 clip (2 s GOP, faststart), snapshot at 7.3 s to 800x600 JPEG, through Silo's
HTTP API (`GET /<bucket>/<key>?x-oss-process=video/snapshot,...`, V1-presigned) against running the same ffmpeg
command directly on the same file, in one run.

- Cache misses, keyframe (`m_fast`) and exact: every request names a different object (copies of the clip under
  other keys, so the derived-image cache cannot answer), one at a time; the figure is the median wall time of an
  HTTP request against the median wall time of `ffmpeg` run on the file by this script. Silo's extra work is the
  request (signature, metadata), `prlimit`, and reading the frame back. Goal: Silo ≤ 1.3x.
- Cache hits: the same processed URL again and again (wrk), against a plain GET of an object holding the
  snapshot's bytes. Goal: ≥ 0.9x.
- Transcode: a job converting the clip to 1280x720 H.264 (veryfast, 2 Mb/s) with AAC, from AsyncProcessObject to
  the rendition being readable (HEAD polled every 20 ms), against the same ffmpeg command run directly on the file.
  Goal: ≤ 1.1x.

One snapshot of each mode is decoded with Pillow and checked to be an 800x600 JPEG.
"""

import argparse
import base64
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "compat"))
sys.path.insert(0, HERE)

import oss2  # noqa: E402
import requests  # noqa: E402
from PIL import Image  # noqa: E402

from silo_harness import SiloServer, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION  # noqa: E402
from wrk_replay import replay  # noqa: E402

BUCKET = "videos"
POSITION_MS = 7300
WIDTH, HEIGHT = 800, 600
MISSES = 15
HIT_CONCURRENCY = [1, 16]
MODES = [("keyframe", ",m_fast", ["-noaccurate_seek"]), ("exact", "", [])]


def make_clip(path):
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30",
                    "-t", "20", "-c:v", "libx264", "-preset", "veryfast", "-g", "60", "-pix_fmt", "yuv420p",
                    "-movflags", "+faststart", path], check=True)


def process(suffix):
    return "video/snapshot,t_%d,f_jpg,w_%d,h_%d%s" % (POSITION_MS, WIDTH, HEIGHT, suffix)


def direct_ffmpeg(clip, out, seek_flags):
    """The command Silo runs, minus prlimit and the subfile indirection: the ceiling."""
    started = time.perf_counter()
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-threads", "2", *seek_flags,
                    "-ss", "%.3f" % (POSITION_MS / 1000), "-noautorotate", "-i", clip, "-map", "0:v:0", "-an", "-sn",
                    "-dn", "-vf", "scale=%d:%d" % (WIDTH, HEIGHT), "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "2",
                    "-f", "image2", "-y", out], check=True)
    return time.perf_counter() - started


TRANSCODE = "video/convert,f_mp4,vcodec_h264,s_1280x720,vb_2000000,acodec_aac"
TRANSCODES = 3


def direct_transcode(clip, out):
    """The job's command as Silo runs it (MediaTranscoder), on the file itself."""
    started = time.perf_counter()
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-threads", "2", "-i", clip, "-map", "0:v:0",
                    "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-vf", "scale=1280:720",
                    "-b:v", "2000000", "-map", "0:a:0?", "-c:a", "aac", "-sn", "-dn", "-map_metadata", "-1",
                    "-movflags", "+faststart", "-f", "mp4", "-y", out], check=True)
    return time.perf_counter() - started


def timed_job(bucket, key, target):
    started = time.perf_counter()
    bucket.async_process_object(key, TRANSCODE + "|sys/saveas,o_" + base64.urlsafe_b64encode(target.encode()).decode().rstrip("="))
    while not bucket.object_exists(target):
        time.sleep(0.02)
    return time.perf_counter() - started


def timed_get(url):
    started = time.perf_counter()
    response = requests.get(url, timeout=120)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, response


def check_snapshot(data):
    picture = Image.open(io.BytesIO(data))
    picture.load()
    assert picture.format == "JPEG" and picture.size == (WIDTH, HEIGHT), (picture.format, picture.size)


def path_of(url):
    return re.sub(r"^http://[^/]+", "", url)


def run(binary, work, seconds=5):
    clip = os.path.join(work, "clip.mp4")
    make_clip(clip)
    with open(clip, "rb") as f:
        data = f.read()
    silo = SiloServer(data_dir=os.path.join(work, "silo-video"), binary=binary)
    rows = []
    try:
        silo.start()
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, BUCKET, region=REGION)
        bucket.create_bucket()
        keys = ["clip-%02d.mp4" % i for i in range(2 * (MISSES + 1))]
        for key in keys:
            bucket.put_object(key, data)
        for index, (mode, suffix, seek_flags) in enumerate(MODES):
            mode_keys = keys[index * (MISSES + 1):(index + 1) * (MISSES + 1)]
            urls = [bucket.sign_url("GET", key, 86400, params={"x-oss-process": process(suffix)}) for key in mode_keys]
            # Warm-up (page cache, ffmpeg's libraries), then alternate the two so noise hits both alike.
            _, response = timed_get(urls[0])
            check_snapshot(response.content)
            assert response.headers.get("X-Silo-Image-Cache") == "miss"
            direct_ffmpeg(clip, os.path.join(work, "direct.jpg"), seek_flags)
            ours, base = [], []
            for url in urls[1:]:
                elapsed, response = timed_get(url)
                assert response.headers.get("X-Silo-Image-Cache") == "miss"
                ours.append(elapsed)
                base.append(direct_ffmpeg(clip, os.path.join(work, "direct.jpg"), seek_flags))
            rows.append(("miss " + mode, statistics.median(base) * 1000, statistics.median(ours) * 1000))
            print("video snapshot miss %-8s ffmpeg %7.1f ms  silo %7.1f ms  silo/ffmpeg %.2f"
                  % (mode, rows[-1][1], rows[-1][2], rows[-1][2] / rows[-1][1]), flush=True)
        # Transcodes: one job at a time, alternating with the direct command.
        ours_jobs, base_jobs = [], []
        for index in range(TRANSCODES):
            ours_jobs.append(timed_job(bucket, keys[index], "renditions/%d.mp4" % index))
            base_jobs.append(direct_transcode(clip, os.path.join(work, "direct.mp4")))
        rows.append(("transcode 1080p→720p", statistics.median(base_jobs) * 1000, statistics.median(ours_jobs) * 1000))
        print("video transcode ffmpeg %7.0f ms  silo job %7.0f ms  silo/ffmpeg %.2f"
              % (rows[-1][1], rows[-1][2], rows[-1][2] / rows[-1][1]), flush=True)
        # Hits: one processed URL, filled once, against its bytes stored as a plain object.
        hit_url = bucket.sign_url("GET", keys[0], 86400, params={"x-oss-process": process(",m_fast")})
        _, response = timed_get(hit_url)
        assert response.headers.get("X-Silo-Image-Cache") == "hit"
        bucket.put_object("plain-snapshot.jpg", response.content)
        plain = [path_of(bucket.sign_url("GET", "plain-snapshot.jpg", 86400))]
        hits = []
        for connections in HIT_CONCURRENCY:
            base_rate = replay(work, silo.endpoint, plain, "GET", connections, seconds)[0]
            hit_rate = replay(work, silo.endpoint, [path_of(hit_url)], "GET", connections, seconds)[0]
            hits.append((connections, len(response.content), base_rate, hit_rate))
            print("video snapshot hit c=%-3d plain GET %8.0f/s  hit %8.0f/s  ratio %.2f"
                  % (connections, base_rate, hit_rate, hit_rate / base_rate), flush=True)
    finally:
        silo.cleanup()
    print()
    print("| video (20 s 1080p H.264 source) | ffmpeg direct, ms | silo, ms | silo/ffmpeg |")
    print("|---|---|---|---|")
    for name, base, ours in rows:
        print("| %s | %.1f | %.1f | %.2f |" % (name, base, ours, ours / base))
    print()
    print("| snapshot cache hit | conc | bytes | plain GET/s | hit/s | hit/plain |")
    print("|---|---|---|---|---|---|")
    for connections, size, base_rate, hit_rate in hits:
        print("| | %d | %d | %.0f | %.0f | %.2f |" % (connections, size, base_rate, hit_rate, hit_rate / base_rate))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--binary", default=os.path.join(ROOT, "Server", ".build", "release", "silo"))
    options = parser.parse_args()
    work = tempfile.mkdtemp(prefix="silo-video-bench-")
    try:
        run(options.binary, work, seconds=options.seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
