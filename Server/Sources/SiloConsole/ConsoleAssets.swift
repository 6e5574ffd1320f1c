import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The console's style sheet and its one script (uploads), served from the binary under the console's policy.
enum ConsoleAssets {
    static func response(_ name: String, policy: String) -> Response? {
        let asset: (String, String)
        switch name {
        case "console.css": asset = ("text/css; charset=utf-8", style)
        case "console.js": asset = ("text/javascript; charset=utf-8", script)
        default: return nil
        }
        var headers = HTTPFields()
        headers[.contentType] = asset.0
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[HTTPField.Name("Content-Security-Policy")!] = policy
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: asset.1)))
    }

    /// Uploads straight to storage: each file (or each file of a dropped or chosen folder) is one PostObject with
    /// the page's signed form fields, then checked through the console (the browser cannot read storage's answer
    /// to a cross-origin form post).
    static let script = #"""
// Copy buttons (style URLs, share links): the clipboard, then a word on the button.
for (const button of document.querySelectorAll("[data-copy]")) {
  const label = button.textContent;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(button.dataset.copy);
      button.textContent = "Copied";
    } catch (error) {
      button.textContent = "Copy failed: select the text instead";
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  });
}

const form = document.getElementById("upload");
if (form) {
  const action = form.dataset.action;
  const fields = JSON.parse(form.dataset.fields);
  const prefix = form.dataset.prefix;
  const status = document.getElementById("upload-status");
  const progress = document.getElementById("upload-progress");
  const statURL = location.pathname + "/stat?key=";
  const multipart = form.dataset.multipart === "yes";
  const threshold = Number(form.dataset.threshold);
  const csrf = form.dataset.csrf;

  async function consoleJSON(path, body) {
    const response = await fetch(location.pathname + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "x-csrf-token": csrf }, body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`the console answered ${response.status}`);
    return response.json();
  }

  // One part PUT to its presigned URL; progress is reported as bytes sent so far.
  function putPart(url, blob, onProgress) {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("PUT", url);
      request.upload.onprogress = (event) => onProgress(event.loaded);
      request.onload = () => (request.status === 200 ? resolve(request.getResponseHeader("ETag")) : reject(new Error(`part: ${request.status}`)));
      request.onerror = () => reject(new Error("the connection failed"));
      request.send(blob);
    });
  }

  // Parts three at a time, straight to storage; the console starts and completes the upload as the signed-in key.
  async function sendInParts(file, key, onProgress) {
    const start = await consoleJSON("/multipart/start", { key, size: file.size, type: file.type });
    const sent = new Array(start.parts.length).fill(0);
    const etags = new Array(start.parts.length);
    const queue = start.parts.map((url, index) => index);
    const worker = async () => {
      while (queue.length) {
        const index = queue.shift();
        const blob = file.slice(index * start.partSize, Math.min((index + 1) * start.partSize, file.size));
        for (let attempt = 1; ; attempt++) {
          try {
            etags[index] = await putPart(start.parts[index], blob, (loaded) => { sent[index] = loaded; onProgress(sent.reduce((a, b) => a + b, 0)); });
            break;
          } catch (error) {
            if (attempt >= 3) throw error;
          }
        }
      }
    };
    try {
      await Promise.all([worker(), worker(), worker()]);
      await consoleJSON("/multipart/complete", { key, uploadId: start.uploadId,
        parts: etags.map((etag, index) => ({ partNumber: index + 1, etag })) });
    } catch (error) {
      await consoleJSON("/multipart/abort", { key, uploadId: start.uploadId, parts: [] }).catch(() => {});
      throw error;
    }
  }

  async function sendInOne(file, key) {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    body.append("key", key);
    body.append("Content-Type", file.type || "application/octet-stream");
    body.append("file", file);
    await fetch(action, { method: "POST", body, mode: "no-cors", credentials: "omit" });
  }

  async function send(items) {
    if (!items.length) return;
    const total = items.reduce((sum, item) => sum + item.file.size, 0);
    progress.max = Math.max(total, 1);
    progress.value = 0;
    const failed = [];
    let done = 0;
    let finishedBytes = 0;
    for (const { file, path } of items) {
      const key = prefix + path;
      try {
        if (multipart && file.size > threshold) {
          await sendInParts(file, key, (bytes) => { progress.value = finishedBytes + bytes; });
        } else {
          await sendInOne(file, key);
        }
        const check = await fetch(statURL + encodeURIComponent(key), { credentials: "same-origin" });
        const stat = check.ok ? await check.json() : { exists: false };
        if (stat.exists && stat.size === file.size) done++; else failed.push(path);
      } catch (error) {
        failed.push(path);
      }
      finishedBytes += file.size;
      progress.value = finishedBytes;
      status.textContent = `${done} of ${items.length} uploaded` + (failed.length ? `, ${failed.length} failed` : "");
    }
    if (failed.length) {
      status.textContent = `Uploaded ${done}; storage refused or lost ${failed.join(", ")}.`;
      status.classList.add("error");
    } else {
      // Percent-encoded by hand: URLSearchParams writes spaces as "+", which servers need not read as spaces.
      const kept = [...new URLSearchParams(location.search)].filter(([name]) => name !== "notice");
      kept.push(["notice", `Uploaded ${done} file${done === 1 ? "" : "s"}.`]);
      location.assign(location.pathname + "?" + kept.map(([n, v]) => encodeURIComponent(n) + "=" + encodeURIComponent(v)).join("&"));
    }
  }

  document.getElementById("upload-files").addEventListener("change", (event) =>
    send([...event.target.files].map((file) => ({ file, path: file.name }))));
  document.getElementById("upload-folder").addEventListener("change", (event) =>
    send([...event.target.files].map((file) => ({ file, path: file.webkitRelativePath || file.name }))));

  // Dropped folders are walked through the entries API; files keep their path inside the folder.
  async function entries(entry, path) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      return [{ file, path: path + file.name }];
    }
    const reader = entry.createReader();
    const children = [];
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (!batch.length) break;
      children.push(...batch);
    }
    const nested = await Promise.all(children.map((child) => entries(child, path + entry.name + "/")));
    return nested.flat();
  }
  const zone = document.getElementById("drop-zone");
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", async (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const roots = [...event.dataTransfer.items].map((item) => item.webkitGetAsEntry()).filter(Boolean);
    send((await Promise.all(roots.map((root) => entries(root, "")))).flat());
  });
}
"""#

    static let style = """
        :root { --ink: #1b1f24; --muted: #4a5360; --accent: #0b57d0; --bad: #a50e0e; --good: #146c2e; --line: #c5ccd6; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: var(--ink); background: #fff; }
        header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; padding: 0.6rem 1rem; border-bottom: 1px solid var(--line); }
        header nav a { margin-right: 0.8rem; }
        .brand { font-weight: 700; color: var(--ink); text-decoration: none; }
        .signout { margin-left: auto; display: flex; gap: 0.5rem; align-items: center; }
        main { max-width: 72rem; margin: 0 auto; padding: 0 1rem 3rem; }
        h1 { font-size: 1.5rem; }
        table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
        caption { text-align: left; font-weight: 600; padding: 0.3rem 0; }
        th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
        td img { border-radius: 4px; object-fit: cover; display: block; }
        .card { border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin: 1rem 0; max-width: 40rem; }
        label { display: block; margin-top: 0.5rem; font-weight: 600; }
        label:has(input[type=checkbox]) { font-weight: 400; }
        input, select, textarea { font: inherit; padding: 0.4rem; border: 1px solid var(--line); border-radius: 6px; max-width: 100%; }
        input[type=text], input:not([type]), input[type=password], textarea { width: 100%; }
        button { font: inherit; padding: 0.45rem 0.9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; margin-top: 0.5rem; }
        button.secondary { background: #fff; color: var(--accent); }
        button.danger { background: var(--bad); border-color: var(--bad); }
        a { color: var(--accent); }
        :focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
        form.inline { display: inline-flex; gap: 0.5rem; align-items: center; }
        form.inline button { margin: 0; }
        .help { color: var(--muted); margin: 0.2rem 0; font-size: 0.9rem; }
        .error, .denied { color: var(--bad); }
        .allowed { color: var(--good); }
        .notice { background: #e8f0fe; padding: 0.5rem 0.75rem; border-radius: 6px; }
        .explanation { white-space: pre-wrap; }
        .drop-zone { border: 2px dashed var(--line); border-radius: 8px; padding: 1.5rem; text-align: center; color: var(--muted); }
        .drop-zone.over { border-color: var(--accent); color: var(--accent); }
        .details { display: grid; grid-template-columns: 10rem 1fr; gap: 0.3rem 1rem; }
        .details dd { margin: 0; overflow-wrap: anywhere; }
        .preview { max-width: 100%; border-radius: 6px; }
        pre { white-space: pre-wrap; margin: 0; font-size: 0.85rem; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        progress { width: 100%; }
        """
}
