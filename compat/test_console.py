"""The web console in a real browser (Debian's Chromium through playwright): root and a restricted RAM user sign in
with their access keys; buckets, objects, uploads straight to storage, previews, share links, deletions, RAM users,
keys and policies, and the simulator's explanation of a denial. Screenshots go to .build/screenshots/."""

import base64
import io
import json
import os
import re

import oss2
import pytest
import requests
from PIL import Image

from browser_helpers import assert_readable, browser, playwright, screenshot, wait_until  # noqa: F401
from conftest import random_name
from iam_helpers import admin
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SiloServer



@pytest.fixture(scope="module")
def server():
    # Loopback callbacks, so one can fail at delivery (port 9 refuses) rather than by policy.
    s = SiloServer(extra_args=["--console-address", "127.0.0.1:0", "--callback-policy", "loopback",
                               "--metrics-address", "127.0.0.1:0"])
    s.start()
    yield s
    s.cleanup()


def sign_in(page, server, key_id, secret):
    page.goto(server.console_url + "/")
    page.get_by_label("AccessKey ID").fill(key_id)
    page.get_by_label("AccessKey secret").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/buckets$"))


def png(width, height, color=(200, 40, 40)):
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def test_root_creates_a_bucket_uploads_browses_previews_shares_and_deletes(browser, server, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        response = page.goto(server.console_url + "/signin")
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe" not in policy
        screenshot(page, "console-sign-in")
        sign_in(page, server, ACCESS_KEY_ID, ACCESS_KEY_SECRET)
        cookie = [c for c in context.cookies() if c["name"] == "silo_console"][0]
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

        name = random_name("con")
        page.get_by_label("Name").fill(name)
        page.get_by_role("button", name="Create").click()
        assert "Created the bucket %s." % name in page.locator(".notice").text_content()
        page.get_by_role("link", name=name).click()

        # Files, then a folder, by the file chooser: each goes straight to storage as a PostObject.
        (tmp_path / "photo.png").write_bytes(png(300, 200))
        (tmp_path / "notes.txt").write_bytes(b"hello console")
        page.locator("#upload-files").set_input_files([str(tmp_path / "photo.png"), str(tmp_path / "notes.txt")])
        wait_until(page, "document.querySelector('.notice') && document.querySelector('.notice').textContent.includes('Uploaded 2 files')")
        page.goto(server.console_url + "/b/%s" % name)
        folder = tmp_path / "album"
        (folder / "2026").mkdir(parents=True)
        (folder / "a.png").write_bytes(png(40, 40, (0, 120, 0)))
        (folder / "2026" / "b.png").write_bytes(png(50, 50, (0, 0, 160)))
        page.locator("#upload-folder").set_input_files(str(folder))
        wait_until(page, "document.querySelector('.notice') && document.querySelector('.notice').textContent.includes('Uploaded 2 files')")
        bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, name)
        assert bucket.get_object("album/2026/b.png").read() == (folder / "2026" / "b.png").read_bytes()
        assert bucket.get_object("notes.txt").read() == b"hello console"

        # Browse: the folder, then into it; thumbnails are made by storage.
        page.get_by_role("link", name="album/").click()
        page.get_by_role("link", name="2026/").click()
        assert page.locator("#objects").get_by_role("link", name="b.png").is_visible()
        # A 50x50 picture stays 50x50: OSS never enlarges by default (limit_1).
        wait_until(page, "[...document.querySelectorAll('#objects img')].every(i => i.complete && i.naturalWidth === 50)")
        assert "x-oss-process=image%2Fresize%2Cm_fill%2Cw_96%2Ch_96" in page.locator("#objects img").first.get_attribute("src")
        screenshot(page, "console-objects")

        # Details and the preview.
        page.goto(server.console_url + "/b/%s" % name)
        page.locator("#objects").get_by_role("link", name="photo.png").click()
        assert page.locator(".details").get_by_text("image/png").is_visible()
        wait_until(page, "document.querySelector('img.preview').complete && document.querySelector('img.preview').naturalWidth === 300")
        crc = page.locator(".details dd").nth(4).text_content()
        assert crc == bucket.head_object("photo.png").headers["x-oss-hash-crc64ecma"]
        screenshot(page, "console-object")

        # A share link, opened from a second browser context without the console's cookie.
        page.get_by_label("Valid for").select_option("86400")
        page.get_by_role("button", name="Make link").click()
        link = page.get_by_label("Link").input_value()
        assert "x-oss-expires=86400" in link and "x-oss-security-token" not in link
        stranger = browser.new_context()
        try:
            shared = stranger.request.get(link)
            assert shared.status == 200 and shared.body() == bucket.get_object("photo.png").read()
        finally:
            stranger.close()

        # Delete the object (with confirmation), then the whole folder.
        page.get_by_role("link", name="Back to the object").click()
        page.get_by_label("Delete photo.png").check()
        page.get_by_role("button", name="Delete object").click()
        assert "Deleted photo.png." in page.locator(".notice").text_content()
        assert not bucket.object_exists("photo.png")
        page.get_by_role("link", name="album/").click()
        page.get_by_label("Delete every object under album/").check()
        page.get_by_role("button", name="Delete folder").click()
        assert "Deleted 2 objects under album/." in page.locator(".notice").text_content()
        assert not bucket.object_exists("album/a.png")
        assert errors == []
    finally:
        context.close()


def test_ram_users_keys_policies_and_the_simulators_explanation(browser, server):
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, server, ACCESS_KEY_ID, ACCESS_KEY_SECRET)
        page.get_by_role("link", name="RAM").click()
        user = random_name("u")
        page.get_by_label("New user").fill(user)
        page.get_by_role("button", name="Create user").click()
        assert "Created the user %s." % user in page.locator(".notice").text_content()
        page.get_by_role("button", name="Create an access key").click()
        key_id = page.get_by_label("AccessKey ID").input_value()
        secret = page.get_by_label("AccessKey secret").input_value()
        assert key_id and len(secret) >= 20
        screenshot(page, "console-new-key")

        # A policy with a mistake is refused with the reason; a valid one is created and attached.
        page.goto(server.console_url + "/ram")
        policy = "read-" + user
        page.get_by_label("New policy").fill(policy)
        page.get_by_label("Document (JSON)").fill('{"Version": "1", "Statement": [')
        page.get_by_role("button", name="Create policy").click()
        assert page.locator(".error").is_visible()
        page.goto(server.console_url + "/ram")
        page.get_by_label("New policy").fill(policy)
        page.get_by_label("Document (JSON)").fill(json.dumps({"Version": "1", "Statement": [
            {"Effect": "Allow", "Action": ["oss:ListBuckets", "oss:GetObject"], "Resource": ["*"]}]}))
        page.get_by_role("button", name="Create policy").click()
        page.goto(server.console_url + "/ram/users/" + user)
        page.get_by_label("Attach a policy").select_option(policy)
        page.get_by_role("button", name="Attach").click()
        assert "Attached %s." % policy in page.locator(".notice").text_content()

        # The simulator explains why the user may not delete.
        page.get_by_role("link", name="Simulator").click()
        page.get_by_label("Principal").fill("user/" + user)
        page.get_by_label("Action").fill("oss:DeleteObject")
        page.get_by_label("Resource").fill("acs:oss:*:*:any/key")
        page.get_by_role("button", name="Simulate").click()
        assert page.locator(".result .denied").text_content() == "Denied"
        assert "oss:DeleteObject" in page.locator(".result .explanation").text_content()
        screenshot(page, "console-simulator")

        # That user signs in, sees the buckets, and meets a clean "access denied" where its policy stops it.
        restricted = browser.new_context()
        try:
            other = restricted.new_page()
            sign_in(other, server, key_id, secret)
            assert other.get_by_role("heading", name="Buckets").is_visible()
            name = random_name("den")
            other.get_by_label("Name").fill(name)
            other.get_by_role("button", name="Create").click()
            assert other.get_by_role("heading", name="Access denied").is_visible()
            explanation = other.locator(".explanation").text_content()
            assert "oss:PutBucket" in other.locator(".denied").text_content() and explanation
            body = other.content()
            assert "Traceback" not in body and "Fatal" not in body and ".swift" not in body
            other.goto(server.console_url + "/ram")
            assert other.get_by_role("heading", name="Access denied").is_visible()
            screenshot(other, "console-denied")
        finally:
            restricted.close()
    finally:
        context.close()


def test_forms_need_the_sessions_csrf_token_and_the_key_must_be_right(browser, server):
    session = requests.Session()
    session.trust_env = False
    page = session.get(server.console_url + "/signin")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    # Wrong secret: refused, no session.
    wrong = session.post(server.console_url + "/signin", allow_redirects=False,
                         data={"csrf": token, "accessKeyId": ACCESS_KEY_ID, "accessKeySecret": "nope"})
    assert wrong.status_code == 401 and "silo_console" not in wrong.cookies
    # A sign-in form without the cookie's token (a login-CSRF attempt) is refused.
    forged = requests.post(server.console_url + "/signin", allow_redirects=False,
                           data={"csrf": token, "accessKeyId": ACCESS_KEY_ID, "accessKeySecret": ACCESS_KEY_SECRET})
    assert forged.status_code == 403
    signed = session.post(server.console_url + "/signin", allow_redirects=False,
                          data={"csrf": token, "accessKeyId": ACCESS_KEY_ID, "accessKeySecret": ACCESS_KEY_SECRET})
    assert signed.status_code == 303 and signed.headers["Location"] == "/buckets"
    # Signed in, a form post without the session's token changes nothing.
    name = random_name("csrf")
    refused = session.post(server.console_url + "/buckets", data={"name": name}, allow_redirects=False)
    assert refused.status_code == 403 and "InvalidCSRFToken" in refused.text
    refused = session.post(server.console_url + "/buckets", data={"name": name, "csrf": "x" * 32}, allow_redirects=False)
    assert refused.status_code == 403
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, name)
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        bucket.get_bucket_info()
    # Without a session, pages lead to the sign-in page.
    assert requests.get(server.console_url + "/buckets", allow_redirects=False).headers["Location"] == "/signin"


def test_the_object_list_is_keyboard_navigable(browser, server):
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, random_name("kb"))
    bucket.create_bucket()
    for key in ["a.txt", "b.txt", "c/d.txt"]:
        bucket.put_object(key, b"x")
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, server, ACCESS_KEY_ID, ACCESS_KEY_SECRET)
        page.goto(server.console_url + "/b/" + bucket.bucket_name)
        page.locator("#objects a").first.focus()
        seen = []
        for _ in range(3):
            seen.append(page.evaluate("document.activeElement.textContent"))
            page.keyboard.press("Tab")
        assert seen == ["c/", "a.txt", "b.txt"]
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/o\?key=b\.txt$"))
        assert_readable(page)
        page.goto(server.console_url + "/b/" + bucket.bucket_name)
        assert_readable(page)
        # Every input of the pages seen has a label.
        assert page.evaluate("[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
                             ".every(i => i.labels.length > 0 || i.getAttribute('aria-label'))")
    finally:
        context.close()


def test_bucket_settings_acl_cors_policy_and_styles(browser, server):
    name = random_name("set")
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, name)
    bucket.create_bucket()
    bucket.put_object("cat.png", png(400, 300))
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, server, ACCESS_KEY_ID, ACCESS_KEY_SECRET)
        page.goto(server.console_url + "/b/%s/settings" % name)
        page.get_by_label("ACL").select_option("public-read")
        page.get_by_role("button", name="Save ACL").click()
        assert "The ACL is public-read." in page.locator(".notice").text_content()
        assert bucket.get_bucket_acl().acl == "public-read"

        page.get_by_label("CORSConfiguration").fill(
            "<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example.com</AllowedOrigin>"
            "<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod></CORSRule></CORSConfiguration>")
        page.get_by_role("button", name="Save CORS").click()
        assert "Saved 1 CORS rule." in page.locator(".notice").text_content()
        assert bucket.get_bucket_cors().rules[0].allowed_origins == ["https://app.example.com"]
        page.get_by_label("CORSConfiguration").fill("<CORSConfiguration><CORSRule><AllowedMethod>TRACE</AllowedMethod></CORSRule></CORSConfiguration>")
        page.get_by_role("button", name="Save CORS").click()
        assert page.locator(".error").is_visible()

        # A policy that does not parse is refused with the parser's reason, a valid one is stored.
        page.goto(server.console_url + "/b/%s/settings" % name)
        page.get_by_label("Policy (JSON").fill('{"Version": "1", "Statement": [{"Effect": "Maybe"}]}')
        page.get_by_role("button", name="Save policy").click()
        assert "The policy document is invalid" in page.locator(".error").text_content()
        page.goto(server.console_url + "/b/%s/settings" % name)
        policy = {"Version": "1", "Statement": [{"Effect": "Deny", "Principal": ["*"], "Action": ["oss:DeleteObject"],
                                                  "Resource": ["acs:oss:*:*:%s/*" % name]}]}
        page.get_by_label("Policy (JSON").fill(json.dumps(policy))
        page.get_by_role("button", name="Save policy").click()
        assert "Saved the bucket policy." in page.locator(".notice").text_content()
        assert json.loads(bucket.get_bucket_policy().policy) == policy

        page.get_by_label("Style name").fill("thumb")
        page.get_by_label("Process").fill("image/resize,w_64")
        page.get_by_role("button", name="Save style").click()
        assert "Saved the style thumb." in page.locator(".notice").text_content()
        screenshot(page, "console-settings")
        # The object's page offers the style's processed URL.
        page.goto(server.console_url + "/b/%s/o?key=cat.png" % name)
        styled = page.get_by_role("link", name="thumb").get_attribute("href")
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.get_by_role("button", name="Copy the URL of thumb").click()
        assert page.evaluate("navigator.clipboard.readText()") == styled
        assert "x-oss-process=style%2Fthumb" in styled
        assert Image.open(io.BytesIO(requests.get(styled, timeout=30).content)).size == (64, 48)
    finally:
        context.close()


def test_health_shows_the_server_and_the_callbacks_that_failed(browser, server):
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, random_name("hl"))
    bucket.create_bucket()
    # A callback whose receiver refuses connections: the object is stored, the callback fails (203).
    callback = base64.b64encode(json.dumps({"callbackUrl": "http://127.0.0.1:9/never", "callbackBody": "x=1"}).encode()).decode()
    assert bucket.put_object("called.txt", b"x", headers={"x-oss-callback": callback}).status == 203
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, server, ACCESS_KEY_ID, ACCESS_KEY_SECRET)
        page.get_by_role("link", name="Health").click()
        details = page.locator(".details")
        assert details.get_by_text("0.1.0").is_visible()
        row = page.locator("tbody tr", has_text=bucket.bucket_name + "/called.txt")
        assert row.is_visible()
        screenshot(page, "console-health")
    finally:
        context.close()


def test_roles_with_their_trust_and_policies_and_the_consoles_metrics(browser, server):
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, server, ACCESS_KEY_ID, ACCESS_KEY_SECRET)
        page.goto(server.console_url + "/ram")
        role = random_name("r")
        page.get_by_label("New role").fill(role)
        page.get_by_label("Trust policy").fill("{not json")
        page.get_by_role("button", name="Create role").click()
        assert page.locator(".error").is_visible()
        page.goto(server.console_url + "/ram")
        page.get_by_label("New role").fill(role)
        page.get_by_label("Description").fill("made in the console")
        page.get_by_role("button", name="Create role").click()
        assert "Created the role %s." % role in page.locator(".notice").text_content()
        assert "sts:AssumeRole" in page.get_by_label("Who may assume this role").input_value()
        # The trust policy is edited in place, checked when saved: a broken one is refused and changes nothing.
        page.get_by_label("Who may assume this role").fill("{not json")
        page.get_by_role("button", name="Save the role").click()
        assert "The trust policy is invalid" in page.locator(".error").first.text_content()
        account = admin(server, "role", "get", role)["arn"].split(":")[3]
        narrow = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                            "Principal": {"RAM": ["acs:ram::%s:user/app" % account]}}]})
        page.goto(server.console_url + "/ram/roles/" + role)
        page.get_by_label("Who may assume this role").fill(narrow)
        page.get_by_label("Longest session").fill("7200")
        page.get_by_role("button", name="Save the role").click()
        assert "Saved the role %s." % role in page.locator(".notice").text_content()
        stored = admin(server, "role", "get", role)
        assert json.loads(stored["trustPolicy"]) == json.loads(narrow) and stored["maxSessionDuration"] == 7200
        policy = "p-" + role
        admin(server, "policy", "create", policy, "--document", json.dumps(
            {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}]}))
        page.reload()
        page.get_by_label("Attach a policy").select_option(policy)
        page.get_by_role("button", name="Attach").click()
        assert "Attached %s." % policy in page.locator(".notice").text_content()
        assert page.locator("main ul li", has_text=policy).is_visible()
        page.get_by_label("Delete this role").check()
        page.get_by_role("button", name="Delete role").click()
        assert "Deleted the role %s." % role in page.locator(".notice").text_content()
    finally:
        context.close()
    metrics = requests.get("http://127.0.0.1:%d/metrics" % server.metrics_port, timeout=30).text
    served = [line for line in metrics.splitlines() if line.startswith("silo_console_requests_total") and '"2xx"' in line]
    assert served and float(served[0].split()[-1]) > 0, metrics[-2000:]


def test_a_large_file_goes_in_parts_with_progress_once_cors_allows_the_console(browser, server, tmp_path):
    name = random_name("big")
    bucket = oss2.Bucket(oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET), server.endpoint, name)
    bucket.create_bucket()
    big = tmp_path / "video.bin"
    big.write_bytes(os.urandom(20 * 1024 * 1024 + 123))
    context = browser.new_context()
    page = context.new_page()
    puts = []
    page.on("request", lambda request: puts.append(request.url) if request.method == "PUT" else None)
    try:
        sign_in(page, server, ACCESS_KEY_ID, ACCESS_KEY_SECRET)
        page.goto(server.console_url + "/b/" + name)
        page.get_by_role("button", name="Allow large uploads in parts").click()
        assert "Large files now upload in parts" in page.locator(".notice").text_content()
        rule = bucket.get_bucket_cors().rules[0]
        assert rule.allowed_origins == [server.console_url] and rule.allowed_methods == ["PUT"]
        assert page.locator("#upload").get_attribute("data-multipart") == "yes"
        page.locator("#upload-files").set_input_files(str(big))
        wait_until(page, "document.querySelector('.notice') && document.querySelector('.notice').textContent.includes('Uploaded 1 file')", 120)
        # 20 MB in 8 MB parts: three PUTs straight to storage, and the object is the file.
        assert len([url for url in puts if "partNumber=" in url]) == 3
        assert bucket.get_object("video.bin").read() == big.read_bytes()
        assert bucket.head_object("video.bin").headers["x-oss-object-type"] == "Multipart"
    finally:
        context.close()
