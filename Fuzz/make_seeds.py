#!/usr/bin/env python3
"""Writes the Swift fuzz targets' seed corpus (Fuzz/corpus/<target>/): real documents and the attacks issue 13
reproduced, so each target starts from inputs that reach deep into its parser. Run it again to regenerate;
the inputs are deterministic."""
import base64
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def z(*fields):
    """Fields joined by NUL, as FuzzInput.field() splits them."""
    return b"\0".join(f.encode() if isinstance(f, str) else f for f in fields)


# xml-request: the first byte picks the document (0 Delete, 1 Complete, 2 CORS, 3 CreateBucket, 4 Style,
# 5 VersioningConfiguration, 6 ServerSideEncryptionRule).
write("xml-request", "delete", b"\x00" + b'<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>false</Quiet>'
      b'<Object><Key>a.txt</Key></Object><Object><Key>x &amp; y</Key></Object></Delete>')
write("xml-request", "delete-control-chars", b"\x00<Delete><Object><Key>a\x0cb</Key></Object></Delete>")
write("xml-request", "complete", b"\x01<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"A\"</ETag></Part>"
      b"<Part><PartNumber>2</PartNumber><ETag>\"B\"</ETag></Part></CompleteMultipartUpload>")
write("xml-request", "cors", b"\x02<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
      b"<AllowedHeader>*</AllowedHeader><ExposeHeader>x-oss-request-id</ExposeHeader><MaxAgeSeconds>100</MaxAgeSeconds>"
      b"</CORSRule><ResponseVary>false</ResponseVary></CORSConfiguration>")
write("xml-request", "create-bucket", b"\x03<CreateBucketConfiguration><StorageClass>IA</StorageClass>"
      b"<DataRedundancyType>LRS</DataRedundancyType></CreateBucketConfiguration>")
write("xml-request", "style", b"\x04<Style><Content>image/resize,w_200</Content></Style>")
write("xml-request", "versioning", b"\x05<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>")
write("xml-request", "encryption", b"\x06<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault>"
      b"<SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID></KMSMasterKeyID></ApplyServerSideEncryptionByDefault>"
      b"</ServerSideEncryptionRule>")
write("xml-request", "delete-versions", b"\x00<Delete><Object><Key>a</Key><VersionId>null</VersionId></Object></Delete>")
write("xml-request", "namespaced-cdata-comment", b'\x00<?xml version="1.0"?><!-- c --><d:Delete xmlns:d="urn:x">'
      b"<d:Object><d:Key><![CDATA[a<b>]]></d:Key></d:Object></d:Delete>")
write("xml-request", "attack-deep-nesting", b"\x00<Delete>" + b"<a>" * 2000 + b"</a>" * 2000 + b"</Delete>")
write("xml-request", "attack-entity-expansion", b'\x00<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">'
      b'<!ENTITY b "&a;&a;&a;&a;">]><Delete><Object><Key>&b;</Key></Object></Delete>')
write("xml-request", "attack-many-elements", b"\x00<Delete>" + b"<Object/>" * 5000 + b"</Delete>")
write("xml-request", "attribute-with-gt", b"\x02<CORSConfiguration a=\"x>y\"><CORSRule/></CORSConfiguration>")

# xml-response: the first byte picks the type (see XMLTargets.response).
write("xml-response", "list-v2", b"\x00<ListBucketResult><Name>b</Name><Prefix></Prefix><MaxKeys>100</MaxKeys>"
      b"<Delimiter>/</Delimiter><IsTruncated>false</IsTruncated><KeyCount>1</KeyCount><Contents><Key>a</Key>"
      b"<LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>\"E\"</ETag><Type>Normal</Type><Size>1</Size>"
      b"<StorageClass>Standard</StorageClass></Contents><CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes>"
      b"</ListBucketResult>")
write("xml-response", "buckets", b"\x01<ListAllMyBucketsResult><Owner><ID>1</ID><DisplayName>1</DisplayName></Owner>"
      b"<Buckets><Bucket><Name>b</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate><Location>oss-cn-hangzhou"
      b"</Location><StorageClass>Standard</StorageClass></Bucket></Buckets></ListAllMyBucketsResult>")
write("xml-response", "parts", b"\x02<ListPartsResult><Bucket>b</Bucket><Key>k</Key><UploadId>U</UploadId>"
      b"<PartNumberMarker>0</PartNumberMarker><NextPartNumberMarker>1</NextPartNumberMarker><MaxParts>1000</MaxParts>"
      b"<IsTruncated>false</IsTruncated><Part><PartNumber>1</PartNumber><LastModified>2026-01-01T00:00:00.000Z"
      b"</LastModified><ETag>\"E\"</ETag><Size>5</Size></Part></ListPartsResult>")
write("xml-response", "error", b"\x08<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>no</Message>"
      b"<RequestId>R</RequestId><HostId>h</HostId></Error>")
write("xml-response", "delete-result", b"\x04<DeleteResult><Deleted><Key>a</Key></Deleted></DeleteResult>")
write("xml-response", "attack-deep", b"\x00<ListBucketResult>" + b"<a>" * 5000 + b"</ListBucketResult>")
write("xml-response", "initiate", b"\x06<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>U"
      b"</UploadId></InitiateMultipartUploadResult>")

# policy
policies = {
    "allow-prefix": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:GetObject", "oss:PutObject"],
                                                    "Resource": ["acs:oss:*:*:b/users/alice/*"]}]},
    "deny-only": {"Version": "1", "Statement": [{"Effect": "Deny", "Action": "oss:*", "Resource": "*"}]},
    "bucket-policy": {"Version": "1", "Statement": [{"Sid": "s", "Effect": "Allow", "Action": "oss:GetObject",
                                                     "Principal": ["*"], "Resource": "acs:oss:*:*:b/public/*"},
                                                    {"Effect": "Allow", "NotAction": "oss:Delete*",
                                                     "Principal": {"RAM": ["acs:ram::1234:role/r"]}, "NotResource": "*"}]},
    "conditions": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {
        "IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "192.168.1.1"]}, "StringLike": {"oss:Prefix": ["users/*"]},
        "DateLessThan": {"acs:CurrentTime": "2030-01-01T00:00:00Z"}, "NumericLessThanEquals": {"oss:MaxKeys": "100"},
        "Bool": {"acs:SecureTransport": "false"}}}]},
    "trust": {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                             "Principal": {"RAM": ["acs:ram::1234:root"]}}]},
}
for name, document in policies.items():
    write("policy", name, json.dumps(document))
write("policy", "deep-nesting", "[" * 100 + "]" * 100)
write("policy", "duplicate-keys", '{"Version":"1","Version":"1","Statement":[]}')
write("policy", "escapes", '{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:Get\\u004fbject","Resource":"\\ud83d\\ude00"}]}')

# conditions: the Condition object, then NUL, then request values separated by newlines.
write("conditions", "ip", z('{"IpAddress":{"acs:SourceIp":["10.0.0.0/8","::1/128"]}}', "10.1.2.3\n::1"))
write("conditions", "not-ip", z('{"NotIpAddress":{"acs:SourceIp":"192.168.0.0/33"}}', "192.168.1.1"))
write("conditions", "string-like", z('{"StringLike":{"oss:Prefix":["a*b?c","*"]}}', "axxbyc\n"))
write("conditions", "dates", z('{"DateGreaterThan":{"acs:CurrentTime":"2020-01-01T00:00:00Z"}}', "2026-12-03T00:00:00Z"))
write("conditions", "numeric", z('{"NumericEquals":{"oss:MaxKeys":["1e3","1000"]}}', "1000\n-0\n9999999999999999999999"))
write("conditions", "bool-and-case", z('{"Bool":{"acs:SecureTransport":"true"},"StringEqualsIgnoreCase":{"a:b":"X"}}', "x\ntrue"))

# form-data: chunk size byte, boundary, NUL, body.
def form(boundary, parts, file=b"hello"):
    out = b""
    for name, value in parts:
        out += b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"" + name + b"\"\r\n\r\n" + value + b"\r\n"
    out += (b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
            b"Content-Type: text/plain\r\n\r\n" + file + b"\r\n--" + boundary + b"--\r\n")
    return out

write("form-data", "simple", b"\x10" + z(b"XYZ", form(b"XYZ", [(b"key", b"a.txt"), (b"success_action_status", b"201")])))
write("form-data", "v4", b"\x05" + z(b"b", form(b"b", [(b"key", b"users/alice/x"), (b"policy", b"eyJ9"),
                                                        (b"x-oss-signature-version", b"OSS4-HMAC-SHA256"),
                                                        (b"x-oss-credential", b"LTAI/20260101/cn-hangzhou/oss/aliyun_v4_request"),
                                                        (b"x-oss-date", b"20260101T000000Z"), (b"x-oss-signature", b"00"),
                                                        (b"x:uid", b"42")])))
write("form-data", "attack-empty-names", b"\x40" + z(b"B", b"--B\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n\r\n" * 200))
write("form-data", "attack-many-fields", b"\x61" + z(b"B", form(b"B", [(b"f%d" % i, b"v") for i in range(200)])))
write("form-data", "no-file", b"\x07" + z(b"B", b"--B\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--B--\r\n"))
write("form-data", "file-containing-boundary-prefix", b"\x03" + z(b"BB", form(b"BB", [(b"key", b"k")], file=b"\r\n--B\r\n--BX")))

# post-policy: base64 policy, NUL, then field name/value pairs.
pp = {"expiration": "2030-01-01T00:00:00.000Z", "conditions": [{"bucket": "b"}, ["starts-with", "$key", "users/"],
                                                               ["content-length-range", 1, 100], ["eq", "$x-oss-meta-a", "1"],
                                                               ["in", "$content-type", ["image/jpeg", "text/plain"]]]}
write("post-policy", "typical", z(base64.b64encode(json.dumps(pp).encode()).decode(), "key", "users/a", "bucket", "b",
                                  "content-type", "text/plain", "x-oss-meta-a", "1"))
write("post-policy", "expired", z(base64.b64encode(b'{"expiration":"2000-01-01T00:00:00Z","conditions":[]}').decode()))
write("post-policy", "not-base64", z("!!!", "key", "x"))
write("post-policy", "bad-range", z(base64.b64encode(b'{"expiration":"2030-01-01T00:00:00.000Z","conditions":[["content-length-range",5,1]]}').decode()))
write("post-policy", "raw-json", b'{"expiration":"2030-01-01T00:00:00.000Z","conditions":[["starts-with","$key",""]]}')

# signature: method byte (0 GET 1 PUT 2 POST 3 DELETE 4 HEAD 5 OPTIONS), target, host, header pairs.
write("signature", "v1-header", b"\x00" + z("/b/k?acl", "127.0.0.1:9000", "Authorization", "OSS LTAIfuzz:AAAA",
                                          "Date", "Tue, 14 Nov 2023 22:13:20 GMT"))
write("signature", "v1-presigned", b"\x00" + z("/b/k?OSSAccessKeyId=LTAIfuzz&Expires=1700000100&Signature=abc%3D&x-oss-process=image%2Fresize%2Cw_1",
                                             "127.0.0.1"))
write("signature", "v2-header", b"\x01" + z("/b/k", "b.oss.example.com", "Authorization",
                                          "OSS2 AccessKeyId:LTAIfuzz,AdditionalHeaders:host;x-oss-meta-a,Signature:abc",
                                          "Date", "Tue, 14 Nov 2023 22:13:20 GMT", "x-oss-meta-a", "1"))
write("signature", "v4-header", b"\x01" + z("/b/k?uploads", "127.0.0.1", "Authorization",
                                          "OSS4-HMAC-SHA256 Credential=LTAIfuzz/20231114/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=host,Signature=ab",
                                          "x-oss-date", "20231114T221320Z", "x-oss-content-sha256", "UNSIGNED-PAYLOAD"))
write("signature", "v4-presigned", b"\x00" + z("/b/k?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=LTAIfuzz%2F20231114%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231114T221320Z&x-oss-expires=60&x-oss-signature=00",
                                             "127.0.0.1"))
write("signature", "v2-presigned", b"\x04" + z("/b/k?x-oss-signature-version=OSS2&x-oss-access-key-id=LTAIfuzz&x-oss-expires=1700000100&x-oss-signature=x",
                                             "127.0.0.1"))
write("signature", "sts-token", b"\x00" + z("/b/k?security-token=abc", "127.0.0.1", "Authorization", "OSS STS.x:y",
                                          "Date", "Tue, 14 Nov 2023 22:13:20 GMT", "x-oss-copy-source", "/b/%2e%2e%2Fk"))
write("signature", "bad-escapes", b"\x02" + z("/b/%zz?%", "[::1]:80", "Host", "x"))

# process
for name, text in {"resize": "image/resize,m_fill,w_200,h_200/quality,q_80/format,webp",
                   "watermark-text": "image/watermark,text_SGVsbG8,type_d3F5LXplbmhlaQ,color_FF0000,size_40,g_se,x_10,y_10,t_50",
                   "watermark-image": "image/watermark,image_cGFuZGEucG5nP3gtb3NzLXByb2Nlc3M9aW1hZ2UvcmVzaXplLFBfMjA,P_20",
                   "crop-rotate": "image/crop,x_10,y_10,w_100,h_100,g_center/rotate,90/circle,r_50/rounded-corners,r_10",
                   "info": "image/info", "style": "style/thumb", "video": "video/snapshot,t_1000,f_jpg",
                   "saveas": "x-oss-process=image%2Fresize%2Cw_100%7Csys%2Fsaveas%2Co_dGFyZ2V0LmpwZw%2Cb_YnVja2V0",
                   "bad": "image/resize,w_-1,h_99999999999999999999"}.items():
    write("process", name, text)

# callback: configuration JSON, NUL, variables JSON, NUL, template, NUL, facts
cfg = json.dumps({"callbackUrl": "http://127.0.0.1:9200/v1/callback?uid=a;http://[::1]/x", "callbackHost": "app",
                  "callbackBody": '{"bucket":${bucket},"object":${object},"size":${size},"v":${x:v}}',
                  "callbackBodyType": "application/json", "callbackSNI": True})
write("callback", "json", z(cfg, json.dumps({"x:v": "1", "other": 2}), '{"o":${object},"v":${x:v}}',
                            base64.b64encode(b'{"version":1}').decode()))
write("callback", "form", z(json.dumps({"callbackUrl": "https://a.example/cb", "callbackBody": "bucket=${bucket}&object=${object}"}),
                            "{}", "bucket=${bucket}&object=${object}&x=${x:missing}", "not base64"))
write("callback", "broken-template", z(json.dumps({"callbackUrl": "http://x", "callbackBody": "${unterminated"}), "[]", "${", "e30="))
write("callback", "six-urls", z(json.dumps({"callbackUrl": ";".join(["http://a/%d" % i for i in range(6)]), "callbackBody": "x"}), "", "", ""))
write("callback", "forged-facts", z("{}", "{}", "AAAA", base64.b64encode(json.dumps(
    {"version": 1, "bucket": "demo", "object": "users/bob/p.png", "etag": "E", "size": 1, "contentType": "image/png",
     "crc64": "0", "operation": "PutObject", "requestId": "R", "issuedAt": 1,
     "uploader": {"kind": "role-session", "sessionName": "bob"}}).encode()).decode()))

# session-token
write("session-token", "wrong-key", "AQJrMQ" + "A" * 80)
write("session-token", "short", "AQ")
write("session-token", "unknown-key", "AQJrOQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
write("session-token", "claims-bytes", b"\x00\x03STS\x00\x02ab" + b"\x00" * 16 + b"\x00\x011\x00\x01r\x00\x011\x00\x01s\x00\x00\x00\x00")
write("session-token", "garbage", bytes(range(256)))

# range: two size bytes, then the header
for name, header in {"simple": "bytes=0-9", "suffix": "bytes=-5", "open": "bytes=5-", "multi": "bytes=0-1,3-4",
                     "reversed": "bytes=9-0", "huge": "bytes=0-99999999999999999999999", "junk": "bits=1-2"}.items():
    write("range", name, b"\x01\x00" + header.encode())

# image-header: minimal headers of each format
write("image-header", "png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x00\x80\x08\x06\x00\x00\x00")
write("image-header", "gif", b"GIF89a\x10\x00\x20\x00\x80\x00\x00")
write("image-header", "jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08\x00\x10\x00\x20\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9")
write("image-header", "webp", b"RIFF\x24\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\x0f\x00\x00\x07\x00\x00")
write("image-header", "bmp", b"BM" + b"\x00" * 16 + b"\x40\x00\x00\x00\x20\x00\x00\x00")
write("image-header", "jpeg-truncated-sof", b"\xff\xd8\xff\xc0\x00")

# sts-request: method byte, target, content type, body
write("sts-request", "get", b"\x00" + z("/?Action=AssumeRole&RoleArn=acs%3Aram%3A%3A1%3Arole%2Fr&RoleSessionName=s&Format=JSON"
                                        "&Version=2015-04-01&AccessKeyId=a&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0"
                                        "&SignatureNonce=n&Timestamp=2026-01-01T00%3A00%3A00Z&Signature=x", ""))
write("sts-request", "post-form", b"\x01" + z("/", "application/x-www-form-urlencoded",
                                              "Action=AssumeRole&Policy=%7B%22Version%22%3A%221%22%7D&DurationSeconds=900"))
write("sts-request", "acs3", b"\x01" + z("/?Action=AssumeRole", "application/json", "{}"))
write("sts-request", "bad-escape", b"\x00" + z("/?a=%G0&&==", ""))
write("sts-request", "big-body", b"\x01" + z("/", "application/x-www-form-urlencoded", "a=" + "b" * 70000))


# tagging: the first byte picks the input (0 the x-oss-tagging header, 1 the <Tagging> body).
write("tagging", "header", b"\x00k1=v1&k2=v2&%E4%B8%AD%E6%96%87=test%2B%2B/&empty=&bare")
write("tagging", "header-bad", b"\x00aa=bb=cc&=x&a=%25abc&a=b")
write("tagging", "header-many", b"\x00" + b"&".join(b"k%d=v%d" % (i, i) for i in range(5000)))
write("tagging", "body", b"\x01<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag>"
      b"<Tag><Key>+-.:</Key><Value></Value></Tag><Tag><Key>b</Key></Tag></TagSet></Tagging>")
write("tagging", "body-many", b"\x01<Tagging><TagSet>" + b"<Tag><Key>k</Key><Value>v</Value></Tag>" * 500
      + b"</TagSet></Tagging>")
write("tagging", "body-newline", b"\x01<Tagging><TagSet><Tag><Key>a&#10;b</Key><Value>c</Value></Tag></TagSet></Tagging>")


# lifecycle: the first byte's low bit is x-oss-allow-same-action-overlap.
RULE = ("<Rule><ID>{id}</ID><Prefix>{prefix}</Prefix><Status>Enabled</Status>{body}</Rule>")
write("lifecycle", "full", b"\x00<LifecycleConfiguration>" + RULE.format(id="r1", prefix="logs/", body=(
    "<Expiration><Days>357</Days></Expiration><Transition><Days>300</Days><StorageClass>IA</StorageClass></Transition>"
    "<Transition><Days>356</Days><StorageClass>Archive</StorageClass><IsAccessTime>false</IsAccessTime></Transition>"
    "<AbortMultipartUpload><Days>3</Days></AbortMultipartUpload><Tag><Key>k</Key><Value>v</Value></Tag>"
    "<Filter><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan><Not><Prefix>logs/keep/</Prefix>"
    "<Tag><Key>a</Key><Value>b</Value></Tag></Not></Filter>")).encode() + b"</LifecycleConfiguration>")
write("lifecycle", "dates", b"\x00<LifecycleConfiguration>" + RULE.format(id="", prefix="\u4e2d/", body=(
    "<Expiration><CreatedBeforeDate>2016-12-20T00:00:00.000Z</CreatedBeforeDate></Expiration>"
    "<Transition><CreatedBeforeDate>2016-12-25T00:00:00.000Z</CreatedBeforeDate><StorageClass>IA</StorageClass>"
    "</Transition>")).encode() + b"</LifecycleConfiguration>")
write("lifecycle", "overlap", b"\x01<LifecycleConfiguration>" + (
    RULE.format(id="a", prefix="p/", body="<Expiration><Days>1</Days></Expiration>")
    + RULE.format(id="b", prefix="p/2", body="<Expiration><Date>2016-12-25T00:00:00.000Z</Date></Expiration>")).encode()
    + b"</LifecycleConfiguration>")
write("lifecycle", "noncurrent", b"\x00<LifecycleConfiguration>" + RULE.format(id="v", prefix="", body=(
    "<NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays></NoncurrentVersionExpiration>"
    "<NoncurrentVersionTransition><NoncurrentDays>2</NoncurrentDays><StorageClass>IA</StorageClass>"
    "</NoncurrentVersionTransition><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>"
    "</Expiration>")).encode() + b"</LifecycleConfiguration>")
write("lifecycle", "many-rules", b"\x00<LifecycleConfiguration>" + "".join(
    RULE.format(id="r%d" % i, prefix="p%d/" % i, body="<Expiration><Days>1</Days></Expiration>") for i in range(1200)
).encode() + b"</LifecycleConfiguration>")

# media-notify: the first byte's low bit signs the body with the receiver's key; otherwise timestamp NUL signature
# NUL body, as a forger would send them.
JOB = {"TaskId": "silo-1", "State": "succeeded", "Bucket": "demo", "Object": "users/alice/clip.mp4",
       "Process": "video/convert", "Progress": 100, "Attempts": 1, "Outputs": ["users/alice/clip-480p.mp4"],
       "OutputBucket": "demo", "CreateTime": "2026-12-05T10:00:00.000Z", "UpdateTime": "2026-12-05T10:00:09.000Z",
       "NotifyState": "pending", "NotifyLog": []}
write("media-notify", "signed-success", b"\x01" + json.dumps(JOB).encode())
write("media-notify", "signed-foreign-outputs", b"\x01" + json.dumps(dict(JOB, Outputs=[
    "users/mallory/x.mp4", "users/alice/../bob/x.mp4", "", "users/alice/" + "a" * 1000])).encode())
write("media-notify", "signed-failed", b"\x01" + json.dumps(dict(JOB, State="failed", Outputs=[])).encode())
write("media-notify", "signed-wrong-types", b"\x01" + json.dumps(dict(JOB, Outputs="users/alice/x", Bucket=7)).encode())
write("media-notify", "forged", b"\x00" + z("1700000000", "0" * 64, json.dumps(JOB)))
write("media-notify", "stale", b"\x00" + z("1", "f" * 64, json.dumps(JOB)))
write("media-notify", "signed-deep", b"\x01" + b"[" * 5000 + b"]" * 5000)

# console-form: URL-encoded form bodies (and, split by lines, Cookie headers).
write("console-form", "sign-in", "csrf=abc123&accessKeyId=LTAI5t&accessKeySecret=s%2Fe%2Bc%3Dr%26et")
write("console-form", "policy", "csrf=x&name=read&document=" + "%7B%22Version%22%3A%221%22%7D" * 50)
write("console-form", "plus-and-percent", "a=b+c&d=%zz&e=%&=empty&&f")
write("console-form", "many-fields", "&".join("f%d=%d" % (i, i) for i in range(300)))
write("console-form", "cookies", "silo_console=tok; other=1\nsilo_console_signin=x;silo_console=second")
write("console-form", "utf8", "name=%E5%AD%97&key=users%2F%E4%B8%AD%2Fa.jpg")

# audit-uri: request targets whose credential parameters the audit log must redact, disguised every way a name can be.
write("audit-uri", "presigned-v1", "/b/k?OSSAccessKeyId=LTAI1&Expires=1&Signature=abc%2B&security-token=tok&x-oss-process=image/resize")
write("audit-uri", "presigned-v4", "/b/k?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=LTAI%2F20261205"
      "&x-oss-signature=s&callback=e30&callback-var=e30")
write("audit-uri", "disguised", "/b/k?X%2DOSS%2DSIGNATURE=s&SECURITY-Token=t&callbac\u212a=x&Signature&sig%6eature=y"
      "&%E4%B8%AD=1&signaturex=2")
write("audit-uri", "empty-pairs", "/b/k?&a=1&&Signature&x=%E4%B8%AD&=v&")
write("audit-uri", "invalid-utf8", b"/b/k?Signature=\xff\xfe&\xc3=\x80&security-token=%ZZ%")
write("audit-uri", "many", "/b/k?" + "&".join("Signature=%d&k%d=v" % (i, i) for i in range(2000)))
