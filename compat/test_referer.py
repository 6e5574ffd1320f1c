"""Hotlink protection (PutBucketReferer) as a web page embedding a bucket's images meets it: anonymous reads and
presigned URLs are checked against the Referer; requests signed in a header are not, as in OSS."""

import oss2
import requests
from oss2.models import BucketReferer

from conftest import random_name
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET


def test_referer_rules_guard_links_but_not_signed_requests(silo):
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), silo.endpoint, random_name("ref"))
    bucket.create_bucket(oss2.BUCKET_ACL_PUBLIC_READ)
    bucket.put_object("img.jpg", b"jpeg")
    public = "%s/%s/img.jpg" % (silo.endpoint, bucket.bucket_name)
    presigned = bucket.sign_url("GET", "img.jpg", 600)

    def status(url, referer=None):
        return requests.get(url, headers={"Referer": referer} if referer else {}).status_code

    # Without a configuration every Referer passes.
    assert bucket.get_bucket_referer().allow_empty_referer is True
    assert status(public, "https://anyone.example") == 200

    bucket.put_bucket_referer(BucketReferer(False, ["https://*.myapp.com/*", "https://myapp.com"],
                                            black_referers=["https://bad.myapp.com*"]))
    assert status(public, "https://www.myapp.com/page?from=feed") == 200
    assert status(public, "https://myapp.com") == 200
    assert status(public, "https://bad.myapp.com/x") == 403
    assert status(public, "https://elsewhere.com/") == 403
    assert status(public) == 403
    response = requests.get(public, headers={"Referer": "https://elsewhere.com/"})
    assert b"<Code>AccessDenied</Code>" in response.content and b"referer" in response.content
    assert status(presigned, "https://elsewhere.com/") == 403
    assert status(presigned, "https://www.myapp.com/") == 200
    # A request signed in its Authorization header is the app itself, not a link.
    assert bucket.get_object("img.jpg", headers={"Referer": "https://elsewhere.com/"}).read() == b"jpeg"

    bucket.put_bucket_referer(BucketReferer(True, []))
    assert status(public) == 200 and status(public, "https://elsewhere.com/") == 200
