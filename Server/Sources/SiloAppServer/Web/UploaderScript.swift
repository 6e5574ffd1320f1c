extension UploaderAssets {
    /// The uploader's logic: sign-in, the token, simple and resumable multipart uploads, the catalog.
    static let script = #"""
// The seed's mobile app as a web page: sign in to the app server, get an STS token, upload straight to storage
// (simple or multipart, resumable across reloads), and list the user's uploads with thumbnails.
import { presignedURL, signedHeaders, percentEncode } from "./oss-signer.js";

const MULTIPART_THRESHOLD = 5 * 1024 * 1024;
const MIN_PART_SIZE = 1024 * 1024;
const MAX_PARTS = 10000;
const PARALLEL_PARTS = 3;
const REFRESH_BEFORE_MS = 5 * 60 * 1000;
const PART_ATTEMPTS = 5;

const $ = (id) => document.getElementById(id);
const state = { session: null, config: null, credentials: null, refreshTimer: null };

// ---------------------------------------------------------------------------------------------------------------
// The app server: accounts, the token, the upload settings and the catalog.

function appServer() {
  return ($("app-server").value || location.origin).replace(/\/+$/, "");
}

async function api(path, { method = "GET", body, auth = true } = {}) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && state.session) headers["Authorization"] = "Bearer " + state.session.token;
  const response = await fetch(appServer() + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    if (response.status === 401 && auth) signedOut("Your session ended; sign in again.");
    throw new Error(json && json.ErrorMessage ? `${json.ErrorCode}: ${json.ErrorMessage}` : `HTTP ${response.status}`);
  }
  return json;
}

// The STS token, fetched again when it expires within five minutes, and ahead of time by a timer.
async function credentials() {
  const current = state.credentials;
  if (current && current.expiresAt - Date.now() > REFRESH_BEFORE_MS) return current;
  const document = await api("/v1/token");
  if (document.StatusCode !== 200) throw new Error(`${document.ErrorCode}: ${document.ErrorMessage}`);
  state.credentials = {
    accessKeyId: document.AccessKeyId, accessKeySecret: document.AccessKeySecret,
    securityToken: document.SecurityToken, expiresAt: Date.parse(document.Expiration),
  };
  clearTimeout(state.refreshTimer);
  const wait = Math.max(state.credentials.expiresAt - Date.now() - REFRESH_BEFORE_MS, 10_000);
  state.refreshTimer = setTimeout(() => credentials().catch(() => {}), wait);
  $("token-expiry").textContent = new Date(state.credentials.expiresAt).toLocaleTimeString();
  return state.credentials;
}

async function signIn(register) {
  const username = $("username").value.trim();
  const password = $("password").value;
  setStatus("auth-status", register ? "Registering…" : "Signing in…");
  try {
    if (register) await api("/v1/accounts", { method: "POST", body: { username, password }, auth: false });
    state.session = await api("/v1/sessions", { method: "POST", body: { username, password }, auth: false });
    localStorage.setItem("silo-session", JSON.stringify(state.session));
    await signedIn();
  } catch (error) {
    setStatus("auth-status", error.message, true);
  }
}

async function signedIn() {
  state.config = await api("/v1/upload-config");
  $("bucket").value = state.config.bucket;
  $("region").value = state.config.region;
  $("endpoint").value = state.config.endpoint;
  $("prefix").textContent = state.config.prefix;
  $("who").textContent = state.session.uid;
  $("signed-out").hidden = true;
  $("signed-in").hidden = false;
  setStatus("auth-status", "");
  await credentials();
  await listUploads();
}

function signedOut(message) {
  state.session = null;
  state.credentials = null;
  localStorage.removeItem("silo-session");
  $("signed-in").hidden = true;
  $("signed-out").hidden = false;
  setStatus("auth-status", message || "");
}

// ---------------------------------------------------------------------------------------------------------------
// Storage: every request signed in the page with the STS token.

function storage() {
  return { endpoint: $("endpoint").value.replace(/\/+$/, ""), bucket: $("bucket").value, region: $("region").value };
}

class StorageError extends Error {
  constructor(status, code, message) {
    super(`${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

async function oss(method, key, { query = {}, headers = {}, body } = {}) {
  const { endpoint, bucket, region } = storage();
  const signed = await signedHeaders({ method, bucket, key, query, headers, credentials: await credentials(), region });
  const search = Object.entries(query).map(([n, v]) => (v === "" ? percentEncode(n) : percentEncode(n) + "=" + percentEncode(v))).join("&");
  const url = `${endpoint}/${bucket}/${percentEncode(key, true)}` + (search ? "?" + search : "");
  const response = await fetch(url, { method, headers: signed, body });
  if (!response.ok) {
    const text = await response.text();
    const xml = new DOMParser().parseFromString(text, "application/xml");
    const code = xml.querySelector("Code")?.textContent || `HTTP${response.status}`;
    const message = xml.querySelector("Message")?.textContent || text.slice(0, 200);
    throw new StorageError(response.status, code, message);
  }
  return response;
}

function xmlText(text, selector) {
  return new DOMParser().parseFromString(text, "application/xml").querySelector(selector)?.textContent;
}

// ---------------------------------------------------------------------------------------------------------------
// Uploads: simple below 5 MiB, multipart above, resumable across reloads and dropped connections.

// Unfinished uploads are found by object name, file name and size; each stored part is believed only if the file
// chosen now has the same bytes there (its SHA-256 was recorded when the part was sent), so picking another file of
// the same name and size cannot end in a mixed object.
function resumeKey(file, key) {
  return `silo-upload:${key}:${file.name}:${file.size}`;
}

async function sha256(blob) {
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer())),
    (b) => b.toString(16).padStart(2, "0")).join("");
}

function progress(sent, total) {
  const bar = $("progress");
  bar.max = total;
  bar.value = sent;
  $("progress-text").textContent = `${Math.floor((100 * sent) / Math.max(total, 1))}% of ${formatSize(total)}`;
}

async function upload() {
  const file = $("file").files[0];
  const key = $("object-name").value.trim();
  if (!file) return setStatus("upload-status", "Choose a photo first.", true);
  if (!key) return setStatus("upload-status", "Name the object.", true);
  $("upload-button").disabled = true;
  $("callback-answer").textContent = "";
  try {
    const answer = file.size <= MULTIPART_THRESHOLD ? await simpleUpload(file, key) : await multipartUpload(file, key);
    setStatus("upload-status", `Uploaded ${key}.`);
    $("callback-answer").textContent = JSON.stringify(answer, null, 2);
    await listUploads();
  } catch (error) {
    setStatus("upload-status", describeUploadError(error, key), true);
  } finally {
    $("upload-button").disabled = false;
  }
}

function describeUploadError(error, key) {
  if (error instanceof StorageError && error.status === 403 && !key.startsWith(state.config.prefix)) {
    return `Storage refused ${key}: your token only allows names under ${state.config.prefix} (${error.code}).`;
  }
  return `Upload failed: ${error.message}`;
}

function callbackHeaders() {
  return state.config.callback ? { "x-oss-callback": state.config.callback } : {};
}

async function answerOf(response) {
  const text = await response.text();
  try { return JSON.parse(text); } catch { return { status: response.status, etag: response.headers.get("ETag") }; }
}

async function simpleUpload(file, key) {
  progress(0, file.size);
  const response = await oss("PUT", key, {
    headers: { "Content-Type": file.type || "application/octet-stream", ...callbackHeaders() }, body: file,
  });
  progress(file.size, file.size);
  return answerOf(response);
}

async function multipartUpload(file, key) {
  const partSize = Math.max(MIN_PART_SIZE, Math.ceil(file.size / MAX_PARTS));
  const count = Math.ceil(file.size / partSize);
  const slice = (number) => file.slice((number - 1) * partSize, Math.min(number * partSize, file.size));
  const saved = JSON.parse(localStorage.getItem(resumeKey(file, key)) || "null");
  let uploadId = saved && saved.partSize === partSize ? saved.uploadId : null;
  const digests = uploadId ? saved.digests || {} : {};
  const done = new Map();
  if (uploadId) {
    try {
      for (const part of await listParts(key, uploadId)) {
        const expected = part.number < count ? partSize : file.size - partSize * (count - 1);
        if (part.size === expected && digests[part.number] && digests[part.number] === (await sha256(slice(part.number)))) {
          done.set(part.number, part.etag);
        }
      }
      setStatus("upload-status", `Resuming: ${done.size} of ${count} parts are already stored.`);
    } catch (error) {
      if (!(error instanceof StorageError && error.code === "NoSuchUpload")) throw error;
      uploadId = null;
    }
  }
  if (!uploadId) {
    const response = await oss("POST", key, { query: { uploads: "" }, headers: { "Content-Type": file.type || "application/octet-stream" } });
    uploadId = xmlText(await response.text(), "UploadId");
  }
  const remember = () => localStorage.setItem(resumeKey(file, key), JSON.stringify({ uploadId, partSize, digests }));
  remember();
  let sent = [...done.keys()].reduce((sum, n) => sum + Math.min(partSize, file.size - (n - 1) * partSize), 0);
  progress(sent, file.size);
  const pending = [];
  for (let number = 1; number <= count; number++) if (!done.has(number)) pending.push(number);
  const worker = async () => {
    while (pending.length) {
      const number = pending.shift();
      const blob = slice(number);
      const digest = await sha256(blob);
      done.set(number, await uploadPart(key, uploadId, number, blob));
      digests[number] = digest;
      remember();
      sent += blob.size;
      progress(sent, file.size);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_PARTS }, worker));
  const body = "<CompleteMultipartUpload>" + [...done.entries()].sort((a, b) => a[0] - b[0])
    .map(([n, etag]) => `<Part><PartNumber>${n}</PartNumber><ETag>${etag}</ETag></Part>`).join("") + "</CompleteMultipartUpload>";
  const response = await oss("POST", key, {
    query: { uploadId }, headers: { "Content-Type": "application/xml", ...callbackHeaders() }, body,
  });
  localStorage.removeItem(resumeKey(file, key));
  return answerOf(response);
}

// A part, again after a dropped connection or a 5xx, with backoff; the token is checked before each try.
async function uploadPart(key, uploadId, number, blob) {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await oss("PUT", key, {
        query: { partNumber: String(number), uploadId }, headers: { "Content-Type": "application/octet-stream" }, body: blob,
      });
      return response.headers.get("ETag");
    } catch (error) {
      const retriable = !(error instanceof StorageError) || error.status >= 500;
      if (!retriable || attempt >= PART_ATTEMPTS) throw error;
      setStatus("upload-status", `Part ${number} failed (${error.message}); trying again.`);
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** (attempt - 1)));
    }
  }
}

async function listParts(key, uploadId) {
  const parts = [];
  let marker = "";
  for (;;) {
    const query = { uploadId, "max-parts": "1000" };
    if (marker) query["part-number-marker"] = marker;
    const xml = new DOMParser().parseFromString(await (await oss("GET", key, { query })).text(), "application/xml");
    for (const part of xml.querySelectorAll("Part")) {
      parts.push({
        number: Number(part.querySelector("PartNumber").textContent),
        etag: part.querySelector("ETag").textContent,
        size: Number(part.querySelector("Size").textContent),
      });
    }
    if (xml.querySelector("IsTruncated")?.textContent !== "true") return parts;
    marker = xml.querySelector("NextPartNumberMarker").textContent;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The user's uploads, from the app server's catalog, with thumbnails and a watermarked view made by storage.

function base64url(text) {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function listUploads() {
  const list = $("uploads");
  const { uploads } = await api("/v1/uploads");
  const { endpoint, bucket, region } = storage();
  const token = await credentials();
  list.replaceChildren();
  $("uploads-empty").hidden = uploads.length > 0;
  for (const item of uploads) {
    const entry = document.createElement("li");
    const isImage = item.mimeType.startsWith("image/");
    const open = document.createElement("a");
    open.href = await presignedURL({ endpoint, bucket, key: item.key, credentials: token, region });
    open.textContent = item.key.slice(state.config.prefix.length) || item.key;
    open.className = "object-link";
    if (isImage) {
      const thumbnail = document.createElement("img");
      thumbnail.alt = "Thumbnail of " + item.key;
      thumbnail.width = 96;
      thumbnail.height = 96;
      thumbnail.src = await presignedURL({
        endpoint, bucket, key: item.key, credentials: token, region,
        query: { "x-oss-process": "image/resize,m_fill,w_192,h_192" },
      });
      entry.append(thumbnail);
    }
    const details = document.createElement("div");
    details.append(open, document.createTextNode(` ${formatSize(item.size)}` + (item.width ? ` · ${item.width}×${item.height}` : "")));
    if (isImage) {
      const marked = document.createElement("a");
      marked.href = await presignedURL({
        endpoint, bucket, key: item.key, credentials: token, region,
        query: { "x-oss-process": `image/resize,w_800/watermark,text_${base64url(state.session.uid)},g_se,size_24,color_FFFFFF` },
      });
      marked.textContent = "watermarked";
      marked.className = "watermarked-link";
      details.append(document.createTextNode(" · "), marked);
    }
    for (const rendition of item.renditions || []) {
      const link = document.createElement("a");
      link.href = await presignedURL({ endpoint, bucket: rendition.bucket, key: rendition.key, credentials: token, region });
      link.textContent = rendition.process.split("/")[1] + ": " + rendition.key.slice(state.config.prefix.length);
      details.append(document.createTextNode(" · "), link);
    }
    entry.append(details);
    list.append(entry);
  }
}

// ---------------------------------------------------------------------------------------------------------------

function formatSize(bytes) {
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return (unit === 0 ? String(value) : value.toFixed(1)) + " " + units[unit];
}

function setStatus(id, text, isError = false) {
  const element = $(id);
  element.textContent = text;
  element.classList.toggle("error", isError);
}

function fileChosen() {
  const file = $("file").files[0];
  if (!file || !state.config) return;
  $("object-name").value = state.config.prefix + file.name;
  const pending = localStorage.getItem(resumeKey(file, $("object-name").value));
  setStatus("upload-status", pending ? "An upload of this file was interrupted; Upload resumes it." : "");
}

document.addEventListener("DOMContentLoaded", () => {
  $("app-server").value = localStorage.getItem("silo-app-server") || location.origin;
  $("app-server").addEventListener("change", () => localStorage.setItem("silo-app-server", appServer()));
  $("sign-in").addEventListener("click", () => signIn(false));
  $("register").addEventListener("click", () => signIn(true));
  $("auth-form").addEventListener("submit", (event) => { event.preventDefault(); signIn(false); });
  $("sign-out").addEventListener("click", () => {
    api("/v1/sessions", { method: "DELETE" }).catch(() => {});
    signedOut("Signed out.");
  });
  $("file").addEventListener("change", fileChosen);
  $("upload-form").addEventListener("submit", (event) => { event.preventDefault(); upload(); });
  $("refresh").addEventListener("click", () => listUploads().catch((error) => setStatus("upload-status", error.message, true)));
  const saved = localStorage.getItem("silo-session");
  if (saved) {
    state.session = JSON.parse(saved);
    signedIn().catch(() => signedOut("Your session ended; sign in again."));
  }
});
"""#
}
