"""Kiosk round trip: a 640x480 JPEG frame (quality 90, as the kiosk page's canvas sends it) posted to a running
server, timed from the upload to the answer, on one keep-alive connection. Attempts are restarted whenever one ends
(no one is enrolled here, so a face is refused after a few frames: the same work as a match, detection through 1:N).

    python3 kiosk_roundtrip.py BASE_URL KIOSK_TOKEN IMAGE [FRAMES]

Prints `roundtrip_p50_ms=… roundtrip_p95_ms=… roundtrip_max_ms=…`. Needs numpy and cv2 (the face-golden venv)."""
import http.client, json, sys, time, urllib.parse
import cv2, numpy as np

base, token, image = sys.argv[1], sys.argv[2], sys.argv[3]
count = int(sys.argv[4]) if len(sys.argv) > 4 else 60
u = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)

photo = cv2.imread(image)
h, w = photo.shape[:2]
s = min(640 / w, 480 / h)
small = cv2.resize(photo, (int(w * s), int(h * s)), interpolation=cv2.INTER_AREA)
canvas = np.zeros((480, 640, 3), np.uint8)
oy, ox = (480 - small.shape[0]) // 2, (640 - small.shape[1]) // 2
canvas[oy:oy + small.shape[0], ox:ox + small.shape[1]] = small
rng = np.random.default_rng(7)
frames = []
for _ in range(count):
    noisy = np.clip(canvas.astype(np.int16) + rng.normal(0, 2, canvas.shape).astype(np.int16), 0, 255).astype(np.uint8)
    frames.append(cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes())

def call(method, path, body, ctype, extra=None):
    headers = {"X-Kiosk-Token": token, "Content-Type": ctype}
    headers.update(extra or {})
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    return r.status, json.loads(r.read() or b"{}")

def start():
    st, d = call("POST", "/api/v1/kiosk/attempts", json.dumps({"method": "face"}).encode(), "application/json")
    if st != 201: sys.exit(f"kiosk_roundtrip: starting an attempt answered {st}: {d}")
    return d["attempt"]

times = []
attempt, seq = start(), 0
for f in frames:
    seq += 1
    t0 = time.perf_counter()
    st, d = call("POST", f"/api/v1/kiosk/attempts/{attempt}/frames", f, "image/jpeg", {"X-Frame-Seq": str(seq)})
    times.append((time.perf_counter() - t0) * 1000)
    if st != 200: sys.exit(f"kiosk_roundtrip: a frame answered {st}: {d}")
    if d.get("state") in ("refused", "recognised"):
        attempt, seq = start(), 0
times.sort()
p = lambda q: times[min(len(times) - 1, int(q * len(times)))]
print(f"frames={len(times)} bytes_per_frame={sum(map(len, frames)) // len(frames)}")
print(f"roundtrip_p50_ms={p(0.5):.1f} roundtrip_p95_ms={p(0.95):.1f} roundtrip_max_ms={times[-1]:.1f}")
