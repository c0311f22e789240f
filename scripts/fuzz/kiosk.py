"""Hostile input for the kiosk API (scripts/fuzz-api, when the face models are installed): damaged, oversized and
mislabelled frames, impossible image headers, hostile JSON and ids. Every answer must be a 4xx problem or a normal
answer, never a 5xx or a dropped connection, and the server must still be up at the end.
Usage: kiosk.py BASE KIOSK_TOKEN"""
import http.client, json, random, struct, sys, urllib.parse, uuid, zlib

base, token = sys.argv[1], sys.argv[2]
u = urllib.parse.urlparse(base)
rng = random.Random(20261203)
failures, checked = [], 0


def call(method, path, body=b"", ctype="application/json", extra=None):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    h = {"X-Kiosk-Token": token, "Content-Type": ctype}
    h.update(extra or {})
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        return r.status, r.read()
    except (ConnectionError, http.client.HTTPException):
        return 0, b""
    finally:
        c.close()


def expect(status, what, allowed=(200, 201, 400, 404, 409, 410, 413, 415, 422, 429)):
    global checked
    checked += 1
    if status not in allowed:
        failures.append(f"{what}: {status}")


def png(w, h, color=2, depth=8, rows=None, crc_ok=True):
    def chunk(t, d):
        c = zlib.crc32(t + d) & 0xFFFFFFFF
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", c if crc_ok else c ^ 1)
    ch = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    if rows is None:
        row = bytes(rng.randrange(256) for _ in range(min(w, 64) * ch * depth // 8))
        rows = b"".join(b"\x00" + (row * (w * ch * depth // 8 // max(1, len(row)) + 1))[: w * ch * depth // 8] for _ in range(min(h, 480)))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0))
    if color == 3:
        body += chunk(b"PLTE", bytes(range(256)) * 3)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def attempt():
    st, b = call("POST", "/api/v1/kiosk/attempts", json.dumps({"method": "face"}).encode())
    if st != 201:
        sys.exit(f"kiosk fuzz: could not start a face attempt ({st} {b[:200]!r}); are the models installed?")
    return json.loads(b)["attempt"]


frames = [
    ("empty", b"", "image/jpeg"),
    ("random 10 bytes", bytes(rng.randrange(256) for _ in range(10)), "image/jpeg"),
    ("random 200 KB", bytes(rng.randrange(256) for _ in range(200_000)), "image/jpeg"),
    ("JPEG SOI then garbage", b"\xff\xd8\xff\xe0" + bytes(rng.randrange(256) for _ in range(5000)), "image/jpeg"),
    ("JPEG SOF claiming 65000x65000", b"\xff\xd8\xff\xc0\x00\x11\x08\xfd\xe8\xfd\xe8\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9", "image/jpeg"),
    ("PNG 100000x100000 header", png(100000, 100000, rows=b"\x00"), "image/png"),
    ("PNG 1x1", png(1, 1), "image/png"),
    ("PNG 640x480 noise", png(640, 480), "image/png"),
    ("PNG 640x480 16-bit grey", png(640, 480, color=0, depth=16), "image/png"),
    ("PNG 640x480 palette", png(640, 480, color=3), "image/png"),
    ("PNG 640x480 RGBA", png(640, 480, color=6), "image/png"),
    ("PNG bad CRC", png(320, 240, crc_ok=False), "image/png"),
    ("PNG truncated", png(640, 480)[:3000], "image/png"),
    ("PNG 4000x3000 (too big a frame)", png(4000, 3000, rows=b"\x00" * 10), "image/png"),
    ("PNG labelled JPEG", png(320, 240), "image/jpeg"),
    ("text/plain", b"hello", "text/plain"),
    ("no content type", png(320, 240), ""),
    ("3 MB", b"\xff\xd8" + b"\x00" * 3_000_000, "image/jpeg"),
]
for i in range(40):
    good = bytearray(png(320, 240))
    for _ in range(rng.randrange(1, 20)):
        good[rng.randrange(8, len(good))] = rng.randrange(256)
    frames.append((f"mutated PNG {i}", bytes(good), "image/png"))

a, seq = attempt(), 0
for name, body, ctype in frames:
    seq += 1
    st, b = call("POST", f"/api/v1/kiosk/attempts/{a}/frames", body, ctype, {"X-Frame-Seq": str(seq)})
    expect(st, f"frame {name}")
    if st == 200 and json.loads(b).get("state") in ("refused", "recognised"):
        a, seq = attempt(), 0
for seq_value in ["0", "-1", "abc", "99999999999999999999999", ""]:
    st, _ = call("POST", f"/api/v1/kiosk/attempts/{a}/frames", png(320, 240), "image/png", {"X-Frame-Seq": seq_value})
    expect(st, f"X-Frame-Seq {seq_value!r}")
for path in [f"/api/v1/kiosk/attempts/{uuid.uuid4()}/frames", "/api/v1/kiosk/attempts/not-a-uuid/frames",
             "/api/v1/kiosk/attempts/%00/frames", f"/api/v1/kiosk/attempts/{a}/punch"]:
    st, _ = call("POST", path, png(320, 240), "image/png", {"X-Frame-Seq": "1"})
    expect(st, f"POST {path}")
for body in [b"", b"null", b"[]", b"{", json.dumps({"method": "face", "staff_number": "x" * 100000}).encode(),
             json.dumps({"method": ["face"]}).encode(), json.dumps({"method": "pin", "staff_number": "' OR 1=1 --", "pin": "1" * 5000}).encode(),
             json.dumps({"method": "card", "card": "\u0000" * 30}).encode(), json.dumps({"method": "card", "card": "A" * 10000}).encode()]:
    st, _ = call("POST", "/api/v1/kiosk/attempts", body)
    expect(st, f"start {body[:40]!r}")
for body in [b"{}", b'{"kind":1}', b'{"kind":"in"', json.dumps({"kind": "in" * 10000}).encode()]:
    st, _ = call("POST", f"/api/v1/kiosk/attempts/{a}/punch", body)
    expect(st, f"punch {body[:40]!r}")
st, _ = call("GET", "/healthz")
expect(st, "healthz at the end", allowed=(200,))
print(f"kiosk fuzz: {checked} requests, {len(failures)} failures")
for f in failures:
    print("  " + f)
sys.exit(1 if failures else 0)
