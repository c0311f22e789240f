#!/usr/bin/env python3
"""Fake camera streams (Y4M) for the face kiosk's browser tests, made from the test photographs.

Usage:
    python3 streams.py IMAGES_DIR OUT_DIR [--check MODELS_DIR --yakuba BIN] [--every N]

Chromium plays a file with --use-fake-device-for-media-stream --use-file-for-fake-video-capture=FILE.y4m (looping it).
Writes, 640x480 4:2:0 at 10 fps (BT.601 limited range, as Chromium reads I420 without colour information):
  pose.y4m   obama frontal, turned to his right, frontal, turned to his left (1.5 s each): verified, passes liveness
  other.y4m  biden and his mirror image (1.5 s each): not recognised
  still.y4m  obama frontal only: verified, but the yaw never changes (liveness cannot pass)
  dim.y4m    pose.y4m through a poor camera (defocus, 320x240 sensor, underexposure, MJPEG): "unverified" band
Every frame has its own luma noise (a camera never repeats a frame). Deterministic (fixed seed).

--check decodes every Nth frame (default 5), encodes it as JPEG quality 90 (what the kiosk page uploads), runs
`BIN face describe --json` on the frames and on the enrolment photos (obama, obama2, obama3) and asserts the streams'
properties; exits 1 naming the failures. Only numpy and cv2 are needed.
"""
import argparse, hashlib, json, os, subprocess, sys, tempfile

import cv2
import numpy as np

W, H, FPS, SEG = 640, 480, 10, 15           # frame size, frame rate, frames per 1.5 s segment
NOISE = 2.0                                 # sigma of each frame's own luma noise (Y' units)
VERIFIED, ACCEPT = 0.40, 0.50               # the server's distance thresholds
FRONTAL, TURN = 0.12, 0.15                  # the server's liveness thresholds (HeadPose.yaw)
D_MARGIN, YAW_MARGIN = 0.01, 0.02           # --check demands this much room (frames it does not look at vary too)
ENROL = ("obama.jpg", "obama2.jpg", "obama3.jpg")

# Face box [x, y, w, h] in each photograph (LBP cascade, full resolution) and the photograph's size, to crop around it.
FACES = {"obama.jpg": ((910, 1137), (344, 95, 296, 296)), "obama2.jpg": ((626, 1200), (133, 235, 353, 353)),
         "biden.jpg": ((970, 2204), (407, 197, 358, 358))}
# A shot: photo, frame width in face widths (zoom), mirrored, horizontal shear about the face centre, in-plane rotation
# (degrees), and the dim camera's defocus (Gaussian sigma in output pixels; tuned per shot for a distance of about 0.45).
# The shear: obama2.jpg is turned only 0.11 (yaw -0.14 against obama.jpg's -0.02, measured along the eye line), less
# than the server's 0.15, so the turned shots are sheared (lower face moved the way of the turn) to about 0.23.
# biden.jpg's head is tilted 12 degrees; levelled, at this zoom, the LBP cascade finds it in every frame (untilted it
# misses up to half of the frames, mirrored ones most).
SHOTS = {
    "front": dict(photo="obama.jpg", zoom=3.1, flip=False, shear=0.0, rot=0.0, blur=4.15),
    "right": dict(photo="obama2.jpg", zoom=3.0, flip=False, shear=-0.14, rot=0.0, blur=4.8),
    "left": dict(photo="obama2.jpg", zoom=3.0, flip=True, shear=-0.14, rot=0.0, blur=4.5),
    "biden": dict(photo="biden.jpg", zoom=2.1, flip=False, shear=0.0, rot=-12.0, blur=0),
    "biden-flip": dict(photo="biden.jpg", zoom=2.1, flip=True, shear=0.0, rot=-12.0, blur=0),
}
# The poor camera (besides the per-shot defocus): sensor size, exposure gain, gamma, black lift, MJPEG quality.
DIM = dict(sensor=(320, 240), gain=0.75, gamma=1.1, lift=6, jpeg=60)
# Chromium loops each file; a frame whose bytes the server has seen from that kiosk is refused (409 replayed_frame) and
# the page skips it and sends the next, so a still stream still runs out the challenge's time and fails it.
POSE = ["front"] * SEG + ["right"] * SEG + ["front"] * SEG + ["left"] * SEG
STREAMS = {"pose": (POSE, False), "other": (["biden"] * SEG + ["biden-flip"] * SEG, False),
           "still": (["front"] * 2 * SEG, False), "dim": (POSE, True)}


def compose(images_dir, shot):
    """The shot's 640x480 BGR frame: the photo sheared/rotated about the face, scaled, centred a little below the face."""
    img = cv2.imread(os.path.join(images_dir, shot["photo"]), cv2.IMREAD_COLOR)
    if img is None:
        sys.exit(f"streams: cannot read {shot['photo']} in {images_dir}")
    size, (x, y, w, h) = FACES[shot["photo"]]
    if (img.shape[1], img.shape[0]) != size:
        sys.exit(f"streams: {shot['photo']} is {img.shape[1]}x{img.shape[0]}, expected {size[0]}x{size[1]}")
    fx, fy, s = x + w / 2, y + h / 2, W / (shot["zoom"] * w)
    a = np.radians(shot["rot"])

    def t(dx, dy):
        return np.array([[1, 0, dx], [0, 1, dy], [0, 0, 1]], float)
    rot = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    shear = np.array([[1, shot["shear"], 0], [0, 1, 0], [0, 0, 1]])
    m = t(W / 2, H / 2) @ np.diag([s, s, 1]) @ t(0, -0.1 * h) @ rot @ shear @ t(-fx, -fy)
    out = cv2.warpAffine(img, m[:2], (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return np.ascontiguousarray(out[:, ::-1]) if shot["flip"] else out


def poor_camera(bgr, blur):
    """Defocus, a small sensor, underexposure and MJPEG compression, upscaled back to 640x480 (deterministic)."""
    f = cv2.GaussianBlur(bgr.astype(np.float32), (0, 0), blur) if blur > 0 else bgr.astype(np.float32)
    f = cv2.resize(f, DIM["sensor"], interpolation=cv2.INTER_AREA)
    f = np.clip(np.rint(255 * (f / 255) ** DIM["gamma"] * DIM["gain"] + DIM["lift"]), 0, 255).astype(np.uint8)
    f = cv2.imdecode(cv2.imencode(".jpg", f, [cv2.IMWRITE_JPEG_QUALITY, DIM["jpeg"]])[1], cv2.IMREAD_COLOR)
    return cv2.resize(f, (W, H), interpolation=cv2.INTER_LINEAR)


def write_stream(path, frames_bgr, rng):
    """Y4M with each frame's own luma noise; returns the frames' hashes (all distinct)."""
    hashes = set()
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{W} H{H} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for bgr in frames_bgr:
            yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420).astype(np.float32)  # BT.601, Y' 16..235
            yuv[:H] += rng.normal(0, NOISE, (H, W))
            raw = np.clip(np.rint(yuv), 0, 255).astype(np.uint8).tobytes()
            hashes.add(hashlib.sha256(raw).digest())
            out.write(b"FRAME\n" + raw)
    if len(hashes) != len(frames_bgr):
        sys.exit(f"streams: {path} has byte-identical frames")


def read_stream(path):
    """The frames of a Y4M file written by write_stream, as raw I420 bytes."""
    data = open(path, "rb").read()
    head, rest = data.split(b"\n", 1)
    tags = {t[:1]: t[1:] for t in head.split()[1:]}
    assert head.startswith(b"YUV4MPEG2 ") and int(tags[b"W"]) == W and int(tags[b"H"]) == H, head
    n = W * H * 3 // 2
    frames = [rest[i + 6:i + 6 + n] for i in range(0, len(rest), n + 6)]
    assert all(rest[i:i + 6] == b"FRAME\n" for i in range(0, len(rest), n + 6)) and len(frames[-1]) == n, path
    return frames


def yaw(p):
    """HeadPose.yaw: the nose's offset from between the eyes along the eye line, in eye distances."""
    p = np.asarray(p, float)
    e1, e2 = (p[0] + p[1]) / 2, (p[2] + p[3]) / 2
    v = e1 - e2
    return float(np.dot(p[4] - (e1 + e2) / 2, v) / np.dot(v, v))


def describe(binary, models, paths):
    env = dict(os.environ, YAKUBA_FACE_MODELS=models)
    r = subprocess.run([binary, "face", "describe", "--json", *paths], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"streams: {binary} face describe failed ({r.returncode}): {r.stderr.strip()}")
    return json.loads(r.stdout)


def check(args):
    """Decode, JPEG (q 90), describe, assert. Prints a table per stream and segment; returns the failures."""
    tmp_dir = tempfile.TemporaryDirectory(prefix="face-streams-")    # removed when check returns
    tmp = tmp_dir.name
    picked = []                                  # (stream, frame index, shot, jpeg path)
    for name, (shots, _) in STREAMS.items():
        frames = read_stream(os.path.join(args.out_dir, f"{name}.y4m"))
        if len({hashlib.sha256(f).digest() for f in frames}) != len(frames):
            return [f"{name}: byte-identical frames"]
        for i in range(0, len(frames), args.every):
            yuv = np.frombuffer(frames[i], np.uint8).reshape(H * 3 // 2, W)
            p = os.path.join(tmp, f"{name}-{i:03d}.jpg")
            cv2.imwrite(p, cv2.cvtColor(yuv, cv2.COLOR_YUV2BGR_I420), [cv2.IMWRITE_JPEG_QUALITY, 90])
            picked.append((name, i, shots[i], p))
    res = describe(args.yakuba, args.check, [os.path.join(args.images_dir, e) for e in ENROL] + [p for *_, p in picked])
    enrol = []
    for e, r in zip(ENROL, res):
        conf = [f for f in r["faces"] if f["confirmed"]]
        if not conf:
            return [f"enrolment photo {e}: no confirmed face"]
        enrol.append(np.array(conf[0]["descriptor"]))
    fails, rows = [], {}
    for (name, i, shot, _), r in zip(picked, res[len(ENROL):]):
        conf = [f for f in r["faces"] if f["confirmed"]]
        extra = len(r["faces"]) - len(conf)
        if len(conf) != 1:
            fails.append(f"{name} frame {i} ({shot}): {len(conf)} confirmed faces (of {len(r['faces'])})")
            continue
        d = min(float(np.linalg.norm(np.array(conf[0]["descriptor"]) - e)) for e in enrol)
        rows.setdefault(name, []).append((i, shot, d, yaw(conf[0]["landmarks"]), extra))
    for name, rs in rows.items():
        lo, hi = {"pose": (0, VERIFIED), "still": (0, VERIFIED), "dim": (VERIFIED, ACCEPT), "other": (ACCEPT, 9)}[name]
        for i, shot, d, y, _ in rs:
            if not (lo + (D_MARGIN if lo else 0) < d <= hi - (D_MARGIN if hi < 9 else 0)):
                fails.append(f"{name} frame {i} ({shot}): distance {d:.3f} not in ({lo:.2f}, {hi:.2f}] with margin {D_MARGIN}")
        front = [y for _, s, _, y, _ in rs if s == "front"]
        for i, shot, d, y, _ in rs:
            if shot == "front" and abs(y) > FRONTAL - YAW_MARGIN:
                fails.append(f"{name} frame {i}: frontal yaw {y:+.3f}, |yaw| above {FRONTAL - YAW_MARGIN:.2f}")
            if shot in ("right", "left") and front:
                # the server measures the turn from the frontal frame furthest the other way
                turn = max(front) - y if shot == "right" else y - min(front)
                if turn < TURN + YAW_MARGIN or abs(y) <= FRONTAL:
                    fails.append(f"{name} frame {i}: turned {shot} by {turn:+.3f} (yaw {y:+.3f}), want >= {TURN + YAW_MARGIN:.2f}")
        if name == "still" and front and max(front) - min(front) > TURN - 3 * YAW_MARGIN:
            fails.append(f"still: yaw varies by {max(front) - min(front):.3f}, could pass a turn of {TURN}")
        print(f"{name}:  frames  shot        distance min/mean/max   yaw min/max      unconfirmed extras")
        start = 0
        while start < len(rs):                   # one row per run of frames of one shot
            end = start
            while end + 1 < len(rs) and rs[end + 1][1] == rs[start][1]:
                end += 1
            g = rs[start:end + 1]
            ds, ys = [r[2] for r in g], [r[3] for r in g]
            print(f"  {g[0][0]:3d}-{g[-1][0]:<3d} {len(g):2d}  {g[0][1]:<10}  {min(ds):.3f} {np.mean(ds):.3f} {max(ds):.3f}"
                  f"     {min(ys):+.3f} {max(ys):+.3f}     {sum(r[4] for r in g)}")
            start = end + 1
    return fails


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("images_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--check", metavar="MODELS_DIR", help="verify the streams with the face pipeline")
    ap.add_argument("--yakuba", metavar="BIN", help="the yakuba binary (with --check)")
    ap.add_argument("--every", type=int, default=5, help="check every Nth frame (default 5)")
    args = ap.parse_args()
    if args.check and not args.yakuba:
        ap.error("--check needs --yakuba BIN")
    os.makedirs(args.out_dir, exist_ok=True)
    rng = np.random.default_rng(20240607)
    base = {k: compose(args.images_dir, s) for k, s in SHOTS.items()}
    dim = {k: poor_camera(base[k], SHOTS[k]["blur"]) for k in set(POSE)}
    for name, (shots, poor) in STREAMS.items():
        path = os.path.join(args.out_dir, f"{name}.y4m")
        write_stream(path, [(dim if poor else base)[s] for s in shots], rng)
        segs = [shots[i] for i in range(0, len(shots), SEG)]
        print(f"{path}: {len(shots)} frames ({len(shots) / FPS:.1f} s), {os.path.getsize(path) / 1e6:.1f} MB, "
              f"{'poor camera: ' if poor else ''}{' / '.join(segs)}")
    if args.check:
        fails = check(args)
        for f in fails:
            print(f"FAIL {f}", file=sys.stderr)
        if fails:
            sys.exit(1)
        print("check: all streams as specified")


if __name__ == "__main__":
    main()
