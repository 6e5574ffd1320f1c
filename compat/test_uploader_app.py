"""The uploader app (`/app/` on the app server) in a real browser: Debian's Chromium driven by playwright, on a phone
viewport and on a desktop one. The page registers, fetches the STS token, signs its storage requests with WebCrypto
and uploads straight to storage (simple, and multipart that resumes after a reload), then lists the catalog with
thumbnails made by storage. Screenshots of each step go to .build/screenshots/ for a person to look at."""

import hashlib
import io
import random

import pytest
from PIL import Image


from browser_helpers import assert_readable, browser, playwright, screenshot, wait_until  # noqa: E402,F401
from conftest import random_name  # noqa: E402
from silo_harness import ACCESS_KEY_ID, ACCESS_KEY_SECRET  # noqa: E402
from test_app_server import BUCKET, PASSWORD, Stack  # noqa: E402



@pytest.fixture(scope="module")
def stack():
    # The storage server's console reads the demo app server's catalog.
    s = Stack(["--callback-policy", "loopback", "--console-address", "127.0.0.1:0",
               "--console-app-catalog", "{folder}/app-server.sqlite"])
    try:
        # The demo configuration on the demo's own address: storage's CORS rule names exactly this origin.
        s.demo_app = s.start_demo_app()
        yield s
    finally:
        s.close()


def photo(width, height):
    image = Image.new("RGB", (width, height))
    pixels = image.load()
    for x in range(width):
        for y in range(height):
            pixels[x, y] = (x * 255 // width, y * 255 // height, 128)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def register(page, stack):
    page.goto(stack.demo_app.url + "/app/")
    username = random_name("web")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    page.locator("#signed-in").wait_for(state="visible", timeout=30000)
    assert page.locator("#who").text_content() == username
    return username


def test_a_phone_registers_uploads_a_photo_and_sees_its_thumbnail(browser, playwright, stack):
    context = browser.new_context(**playwright.devices["Pixel 5"])
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        response = page.goto(stack.demo_app.url + "/app/")
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        screenshot(page, "uploader-phone-sign-in")
        # Every input is labelled, so screen readers and get_by_label find them.
        assert page.evaluate("[...document.querySelectorAll('input')].every(i => i.labels.length > 0)")
        uid = register(page, stack)
        assert page.locator("#prefix").text_content() == "users/%s/" % uid
        assert page.locator("#bucket").input_value() == BUCKET

        picture = photo(400, 300)
        page.locator("#file").set_input_files({"name": "sunset.jpg", "mimeType": "image/jpeg", "buffer": picture})
        assert page.locator("#object-name").input_value() == "users/%s/sunset.jpg" % uid
        page.get_by_role("button", name="Upload").click()
        wait_until(page, "document.getElementById('upload-status').textContent.startsWith('Uploaded')", timeout=60)
        answer = page.locator("#callback-answer").text_content()
        assert '"Status": "OK"' in answer and "sunset.jpg" in answer
        assert stack.root_bucket.get_object("users/%s/sunset.jpg" % uid).read() == picture

        # The catalog lists it with a thumbnail storage made (192x192 from x-oss-process) and a watermarked view.
        thumbnail = page.locator("#uploads li img").first
        thumbnail.wait_for(timeout=30000)
        wait_until(page, "(() => { const i = document.querySelector('#uploads li img');"
                               " return i && i.complete && i.naturalWidth === 192 && i.naturalHeight === 192; })()", timeout=30)
        marked = page.locator("a.watermarked-link").first.get_attribute("href")
        assert "x-oss-process=image%2Fresize%2Cw_800%2Fwatermark" in marked
        view = context.request.get(marked)
        assert view.status == 200 and view.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(view.body())).size == (400, 300)
        screenshot(page, "uploader-phone-uploaded")

        # A name outside the user's prefix: storage refuses the token, and the page says why.
        page.locator("#file").set_input_files({"name": "b.jpg", "mimeType": "image/jpeg", "buffer": picture})
        page.locator("#object-name").fill("users/someone-else/b.jpg")
        page.get_by_role("button", name="Upload").click()
        wait_until(page, "document.getElementById('upload-status').classList.contains('error')", timeout=30)
        status = page.locator("#upload-status").text_content()
        assert "users/%s/" % uid in status and "AccessDenied" in status, status
        assert not stack.root_bucket.object_exists("users/someone-else/b.jpg")
        screenshot(page, "uploader-phone-refused")
        assert errors == []

        # The console shows the app server's catalog: this user's upload, found by user, linking to the object.
        console = context.browser.new_context()
        try:
            admin_page = console.new_page()
            admin_page.goto(stack.storage.console_url + "/signin")
            admin_page.get_by_label("AccessKey ID").fill(ACCESS_KEY_ID)
            admin_page.get_by_label("AccessKey secret").fill(ACCESS_KEY_SECRET)
            admin_page.get_by_role("button", name="Sign in").click()
            admin_page.wait_for_url("**/buckets")
            admin_page.goto(stack.storage.console_url + "/uploads")
            admin_page.get_by_label("User").fill(uid[:8])
            admin_page.get_by_role("button", name="Search").click()
            row = admin_page.locator("tbody tr", has_text="users/%s/sunset.jpg" % uid)
            assert row.get_by_role("cell", name="400×300").is_visible() and row.get_by_role("cell", name=uid, exact=True).is_visible()
            row.get_by_role("link").click()
            assert admin_page.locator(".details").get_by_text("users/%s/sunset.jpg" % uid).is_visible()
            admin_page.goto(stack.storage.console_url + "/uploads?user=nobody-matches-this")
            assert admin_page.get_by_text("No uploads by a user matching nobody-matches-this.").is_visible()
        finally:
            console.close()
    finally:
        context.close()


def test_a_large_upload_survives_a_dropped_connection_and_a_reload(browser, stack):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    part_puts = []
    page.on("request", lambda request: part_puts.append(request.url) if request.method == "PUT" and "partNumber=" in request.url else None)
    try:
        uid = register(page, stack)
        data = random.Random(7).randbytes(30 * 1024 * 1024)
        file = {"name": "big.jpg", "mimeType": "image/jpeg", "buffer": data}
        key = "users/%s/big.jpg" % uid

        # The network drops the third part once: the page tries it again.
        dropped = []

        def drop_once(route):
            if "partNumber=3&" in route.request.url and not dropped:
                dropped.append(route.request.url)
                route.abort("connectionreset")
            else:
                route.continue_()
        page.route("**/*partNumber=*", drop_once)
        page.locator("#file").set_input_files(file)
        page.get_by_role("button", name="Upload").click()
        # A third of the way, the page is reloaded: the upload in flight is lost, its stored parts are not.
        wait_until(page, "document.getElementById('progress').value >= 10 * 1024 * 1024", timeout=120)
        screenshot(page, "uploader-desktop-uploading")
        page.reload()
        page.unroute("**/*partNumber=*")
        assert dropped, "the dropped connection never happened"
        sent_before = len(part_puts)

        # Signed in still; choosing the same file again offers to resume it.
        page.locator("#signed-in").wait_for(state="visible", timeout=30000)
        page.locator("#file").set_input_files(file)
        assert "interrupted" in page.locator("#upload-status").text_content()
        page.get_by_role("button", name="Upload").click()
        wait_until(page, "document.getElementById('upload-status').textContent.startsWith('Uploaded')", timeout=180)
        resent = len(part_puts) - sent_before
        assert 0 < resent < 30, "after the reload %d of 30 parts were sent again" % resent
        stored = stack.root_bucket.get_object(key).read()
        assert hashlib.sha256(stored).digest() == hashlib.sha256(data).digest()
        assert '"Status": "OK"' in page.locator("#callback-answer").text_content()
        assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('silo-upload:')).length") == 0
        screenshot(page, "uploader-desktop-resumed")
    finally:
        context.close()


def test_the_token_renews_itself_before_it_expires(browser, stack):
    context = browser.new_context()
    page = context.new_page()
    tokens = []
    page.on("request", lambda request: tokens.append(request.url) if request.url.endswith("/v1/token") else None)
    try:
        page.clock.install()
        register(page, stack)
        assert len(tokens) == 1
        # The demo's tokens last 30 minutes; 26 minutes on, the page has fetched a new one by itself.
        page.clock.run_for("26:00")
        page.wait_for_timeout(1000)
        assert len(tokens) == 2, tokens
    finally:
        context.close()


def test_keyboard_users_reach_every_control_in_order(browser, stack):
    context = browser.new_context()
    page = context.new_page()
    try:
        register(page, stack)
        order = []
        page.locator("#app-server").focus()
        for _ in range(12):
            order.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
            page.keyboard.press("Tab")
        for control in ["app-server", "endpoint", "bucket", "region", "file", "object-name", "upload-button", "sign-out",
                        "refresh"]:
            assert control in order, (control, order)
        assert order.index("file") < order.index("object-name") < order.index("upload-button")
        assert_readable(page)
    finally:
        context.close()
