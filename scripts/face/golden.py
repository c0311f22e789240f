#!/usr/bin/env python3
"""Golden reference outputs for the Swift face pipeline (OpenCV + dlib).

Usage (with a venv holding dlib-bin, opencv-python-headless<5, numpy):
    python golden.py MODELS_DIR IMAGE... --out FILE.json [--time N]

MODELS_DIR is what scripts/install-face-models installs. For each image the JSON
holds decode hashes, LBP / Haar-alt2 / dlib-HOG boxes, and, per LBP box, the mapped
dlib rectangle, 5 landmarks, the 150x150 chip (sha256; raw RGB bytes written as
<stem>-<i>.chip.rgb beside FILE.json) and the 128-D descriptors. Then the pairwise
Euclidean distances between all LBP-box descriptors.

Conventions (mirror them in Swift):
  * boxes are [x, y, w, h] in pixels; cascade boxes are sorted by area descending
    (ties: by y, then x).
  * LBP box -> dlib rectangle (face-kiosk.md section 6), computed in float64:
        left = floor(x + 0.042*w + 0.5)
        top  = floor(y + 0.107*w + 0.5)
        side = floor(0.95*w + 0.5)
        rect = dlib.rectangle(left, top, left + side - 1, top + side - 1)
    (dlib's right/bottom are inclusive, so the rectangle is side x side pixels.)
  * dlib rectangles are reported as [left, top, right, bottom] (inclusive).
  * the RGB image fed to dlib is OpenCV's decode (cv2.imread IMREAD_COLOR, BGR->RGB).
  * floats are written with Python repr (shortest round-trip of the float64 that
    dlib returns, which holds the exact float32 value).
"""
import argparse
import hashlib
import itertools
import json
import math
import os
import shutil
import subprocess
import sys
import time

import cv2
import dlib
import numpy as np

SCALE, NEIGH, MINSIZE = 1.1, 3, (60, 60)


def sha(b):
    return hashlib.sha256(b).hexdigest()


def rnd(v):
    """Round half up: floor(v + 0.5) (not Python's round-half-even)."""
    return int(math.floor(v + 0.5))


def sort_boxes(boxes):
    bl = [[int(v) for v in b] for b in (boxes if len(boxes) else [])]
    return sorted(bl, key=lambda b: (-b[2] * b[3], b[1], b[0]))


def lbp_to_dlib(b):
    x, y, w, h = b
    left = rnd(x + 0.042 * w)
    top = rnd(y + 0.107 * w)
    side = rnd(0.95 * w)
    return dlib.rectangle(left, top, left + side - 1, top + side - 1)


def rect_list(r):
    return [r.left(), r.top(), r.right(), r.bottom()]


def djpeg_rgb(path):
    """RGB bytes as decoded by the system libjpeg-turbo (djpeg), or None."""
    djpeg = shutil.which("djpeg")
    if djpeg is None or not path.lower().endswith((".jpg", ".jpeg")):
        return None
    ppm = subprocess.run([djpeg, "-ppm", path], check=True, capture_output=True).stdout
    # binary PPM: "P6\n<w> <h>\n255\n" then data (djpeg writes exactly this header)
    parts = ppm.split(b"\n", 3)
    assert parts[0] == b"P6" and parts[2] == b"255", parts[:3]
    return parts[3]


def iou(a, b):
    ax2, ay2 = a[0] + a[2], a[1] + a[3]
    bx2, by2 = b[0] + b[2], b[1] + b[3]
    iw = max(0, min(ax2, bx2) - max(a[0], b[0]))
    ih = max(0, min(ay2, by2) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union else 0.0


def best_time(fn, n):
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models")
    ap.add_argument("images", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--time", type=int, default=0, metavar="N",
                    help="also time LBP detection and descriptor (best of N, 1 thread)")
    a = ap.parse_args()

    cv2.setNumThreads(1)
    m = lambda f: os.path.join(a.models, f)
    lbp = cv2.CascadeClassifier(m("lbpcascade_frontalface.xml"))
    haar = cv2.CascadeClassifier(m("haarcascade_frontalface_alt2.xml"))
    assert not lbp.empty() and not haar.empty(), "cascade load failed"
    sp = dlib.shape_predictor(m("shape_predictor_5_face_landmarks.dat"))
    net = dlib.face_recognition_model_v1(m("dlib_face_recognition_resnet_model_v1.dat"))
    hog = dlib.get_frontal_face_detector()

    outdir = os.path.dirname(os.path.abspath(a.out))
    os.makedirs(outdir, exist_ok=True)
    results, all_desc = [], []

    for path in a.images:
        name = os.path.basename(path)
        stem = os.path.splitext(name)[0]
        bgr = cv2.imread(path, cv2.IMREAD_COLOR)
        if bgr is None:
            sys.exit("cannot decode " + path)
        rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        drgb = np.ascontiguousarray(dlib.load_rgb_image(path))
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        dj = djpeg_rgb(path)
        h, w = rgb.shape[:2]
        r = {
            "image": name,
            "file_sha256": sha(open(path, "rb").read()),
            "width": w,
            "height": h,
            "decoded_rgb_sha256": sha(rgb.tobytes()),
            "dlib_decoded_rgb_sha256": sha(drgb.tobytes()),
            "decoders_identical": bool(drgb.shape == rgb.shape and np.array_equal(drgb, rgb)),
            "decoders_max_abs_diff": (int(np.abs(drgb.astype(int) - rgb.astype(int)).max())
                                      if drgb.shape == rgb.shape else None),
            "djpeg_rgb_sha256": sha(dj) if dj is not None else None,
            "djpeg_identical_to_opencv": (dj == rgb.tobytes()) if dj is not None else None,
            "gray_sha256": sha(np.ascontiguousarray(gray).tobytes()),
        }
        det = lambda c: c.detectMultiScale(gray, scaleFactor=SCALE, minNeighbors=NEIGH, minSize=MINSIZE)
        r["lbp"] = sort_boxes(det(lbp))
        r["haar_alt2"] = sort_boxes(det(haar))

        # dlib HOG detector, upsample 1, with its own landmarks/descriptor for comparison
        hog_faces = []
        for hr in hog(rgb, 1):
            s = sp(rgb, hr)
            d = list(net.compute_face_descriptor(rgb, s))
            hog_faces.append({"rect": rect_list(hr),
                              "box": [hr.left(), hr.top(), hr.width(), hr.height()],
                              "landmarks": [[p.x, p.y] for p in s.parts()],
                              "descriptor": d})
        r["hog"] = hog_faces

        faces = []
        for i, b in enumerate(r["lbp"]):
            dr = lbp_to_dlib(b)
            s = sp(rgb, dr)
            chip = np.ascontiguousarray(dlib.get_face_chip(rgb, s, size=150, padding=0.25))
            chip_file = "%s-%d.chip.rgb" % (stem, i)
            with open(os.path.join(outdir, chip_file), "wb") as fh:
                fh.write(chip.tobytes())
            d_img = list(net.compute_face_descriptor(rgb, s))
            d_chip = list(net.compute_face_descriptor(chip))
            f = {
                "box": b,
                "dlib_rect": rect_list(dr),
                "landmarks": [[p.x, p.y] for p in s.parts()],
                "chip_sha256": sha(chip.tobytes()),
                "chip_file": chip_file,
                "descriptor": d_img,
                "descriptor_from_chip": d_chip,
                "chip_descriptor_identical": d_img == d_chip,
                "chip_descriptor_max_abs_diff": max(abs(x - y) for x, y in zip(d_img, d_chip)),
            }
            # nearest HOG face (IoU of boxes): does the LBP->dlib mapping give the same result?
            if hog_faces:
                box_dr = [dr.left(), dr.top(), dr.width(), dr.height()]
                j = max(range(len(hog_faces)), key=lambda k: iou(box_dr, hog_faces[k]["box"]))
                hf = hog_faces[j]
                if iou(box_dr, hf["box"]) > 0.3:
                    f["hog_match"] = {
                        "index": j, "iou": iou(box_dr, hf["box"]),
                        "landmarks_identical": hf["landmarks"] == f["landmarks"],
                        "descriptor_distance": float(np.linalg.norm(np.array(hf["descriptor"]) - np.array(d_img))),
                    }
            faces.append(f)
            all_desc.append(("%s#%d" % (name, i), np.array(d_img)))
        r["faces"] = faces

        if a.time:
            t = {"lbp_detect_ms": best_time(lambda: det(lbp), a.time),
                 "haar_alt2_detect_ms": best_time(lambda: det(haar), max(1, a.time // 2))}
            if faces:
                s = sp(rgb, lbp_to_dlib(r["lbp"][0]))
                t["landmarks_ms"] = best_time(lambda: sp(rgb, lbp_to_dlib(r["lbp"][0])), a.time)
                t["chip_ms"] = best_time(lambda: dlib.get_face_chip(rgb, s, size=150, padding=0.25), a.time)
                t["descriptor_ms"] = best_time(lambda: net.compute_face_descriptor(rgb, s), a.time)
            r["timing"] = t
        results.append(r)

    labels = [n for n, _ in all_desc]
    dist = [[float(np.linalg.norm(x - y)) for _, y in all_desc] for _, x in all_desc]
    out = {
        "generator": "scripts/face/golden.py",
        "versions": {"opencv": cv2.__version__, "dlib": dlib.__version__,
                     "numpy": np.__version__, "python": sys.version.split()[0]},
        "params": {"scaleFactor": SCALE, "minNeighbors": NEIGH, "minSize": list(MINSIZE),
                   "rect_mapping": "left=floor(x+0.042w+0.5) top=floor(y+0.107w+0.5) "
                                   "side=floor(0.95w+0.5) right=left+side-1 bottom=top+side-1",
                   "chip": {"size": 150, "padding": 0.25}, "hog_upsample": 1,
                   "cv2_threads": 1},
        "images": results,
        "descriptor_labels": labels,
        "distances": dist,
    }
    with open(a.out, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
