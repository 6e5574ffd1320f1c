extension UploaderAssets {
    /// OSS Signature V4 with WebCrypto, for header-signed requests and presigned URLs.
    static let signer = #"""
// OSS Signature V4 (OSS4-HMAC-SHA256) in the browser, with WebCrypto: the same canonical request, string to sign
// and signing key as Alibaba's SDKs and Silo's own verifier, for header-signed requests and presigned URLs.

const encoder = new TextEncoder();

// RFC 3986: only A-Z a-z 0-9 - _ . ~ stay as they are (encodeURIComponent also leaves ! ' ( ) * alone).
export function percentEncode(text, keepSlash = false) {
  const encoded = encodeURIComponent(text).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  return keepSlash ? encoded.replace(/%2F/g, "/") : encoded;
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256Hex(text) {
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

async function hmac(keyBytes, text) {
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", key, encoder.encode(text));
}

// yyyyMMdd'T'HHmmss'Z' in UTC.
export function isoBasic(date) {
  return date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function isDefaultSigned(name) {
  return name.startsWith("x-oss-") || name === "content-type" || name === "content-md5";
}

function canonicalQuery(query) {
  return Object.entries(query)
    .map(([name, value]) => [percentEncode(name), value === "" || value === null ? "" : percentEncode(String(value))])
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([name, value]) => (value === "" ? name : name + "=" + value))
    .join("&");
}

async function signature({ method, bucket, key, query, headers, secret, region, timestamp }) {
  const signed = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), String(value).trim()])
    .filter(([name]) => isDefaultSigned(name))
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const uri = "/" + bucket + "/" + (key || "");
  const canonical = [
    method.toUpperCase(),
    percentEncode(uri, true),
    canonicalQuery(query),
    signed.map(([name, value]) => name + ":" + value + "\n").join(""),
    "",
    headers["x-oss-content-sha256"] || "UNSIGNED-PAYLOAD",
  ].join("\n");
  const date = timestamp.slice(0, 8);
  const scope = `${date}/${region}/oss/aliyun_v4_request`;
  const stringToSign = ["OSS4-HMAC-SHA256", timestamp, scope, await sha256Hex(canonical)].join("\n");
  let signingKey = await hmac(encoder.encode("aliyun_v4" + secret), date);
  signingKey = await hmac(signingKey, region);
  signingKey = await hmac(signingKey, "oss");
  signingKey = await hmac(signingKey, "aliyun_v4_request");
  return { signature: hex(await hmac(signingKey, stringToSign)), scope };
}

// Headers that sign `method` on /bucket/key?query with the credentials (an STS token's three parts).
export async function signedHeaders({ method, bucket, key, query = {}, headers = {}, credentials, region, now = new Date() }) {
  const timestamp = isoBasic(now);
  const all = { ...headers, "x-oss-date": timestamp, "x-oss-content-sha256": "UNSIGNED-PAYLOAD" };
  if (credentials.securityToken) all["x-oss-security-token"] = credentials.securityToken;
  const { signature: value, scope } = await signature({
    method, bucket, key, query, headers: all, secret: credentials.accessKeySecret, region, timestamp,
  });
  all["authorization"] = `OSS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope},Signature=${value}`;
  return all;
}

// A presigned URL: the query (x-oss-process, …) and the credentials are signed into it.
export async function presignedURL({ endpoint, bucket, key, query = {}, credentials, region, expiresIn = 900, now = new Date() }) {
  const timestamp = isoBasic(now);
  const scope = `${timestamp.slice(0, 8)}/${region}/oss/aliyun_v4_request`;
  const all = {
    ...query,
    "x-oss-signature-version": "OSS4-HMAC-SHA256",
    "x-oss-credential": `${credentials.accessKeyId}/${scope}`,
    "x-oss-date": timestamp,
    "x-oss-expires": String(expiresIn),
  };
  if (credentials.securityToken) all["x-oss-security-token"] = credentials.securityToken;
  const { signature: value } = await signature({
    method: "GET", bucket, key, query: all, headers: {}, secret: credentials.accessKeySecret, region, timestamp,
  });
  all["x-oss-signature"] = value;
  const search = Object.entries(all).map(([n, v]) => percentEncode(n) + "=" + percentEncode(String(v))).join("&");
  return `${endpoint}/${bucket}/${percentEncode(key, true)}?${search}`;
}
"""#
}
