/// The kiosk page's script and styles (served from the binary like the rest; no inline script, so the CSP holds).
enum KioskAssets {
    /// Frames: the camera drawn on a 640×480 canvas and sent as JPEG (quality 0.9, ~40 KB): a tablet's Wi-Fi carries
    /// that in a few milliseconds where raw pixels (900 KB) would take much longer, and the server decodes it in ~2 ms.
    static let js = #"""
    "use strict";
    (function () {
      const main = document.getElementById("main");
      if (!main || !main.classList.contains("kiosk")) return;
      const $ = (id) => document.getElementById(id);
      const msg = (k) => main.getAttribute("data-m-" + k) || k;
      const lang = main.getAttribute("data-lang") || "ja";
      const KEY = "yakuba-kiosk-token";
      const m = /[#&]token=([A-Za-z0-9_\-]+)/.exec(location.hash);
      if (m) { localStorage.setItem(KEY, m[1]); history.replaceState(null, "", location.pathname + location.search); }
      let token = localStorage.getItem(KEY);
      let stream = null, attempt = null, seq = 0, timer = null, busy = false, resetTimer = null;

      async function api(path, opts) {
        opts = opts || {};
        const headers = Object.assign({ "X-Kiosk-Token": token || "", "Accept-Language": lang }, opts.headers || {});
        const res = await fetch(path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + lang, { method: opts.method || "GET", headers: headers, body: opts.body });
        let data = null;
        try { data = await res.json(); } catch (e) { data = null; }
        return { status: res.status, ok: res.ok, data: data || {} };
      }
      function show(id) { ["face", "choose", "result"].forEach((s) => { $(s).hidden = s !== id; }); }
      function say(text) { $("instruction").textContent = text; }
      // the server's time in the municipality's zone (not the tablet's own clock or zone)
      const clock = $("clock");
      const skew = Number(clock.getAttribute("data-server-ms") || Date.now()) - Date.now();
      let zone = clock.getAttribute("data-tz") || undefined;
      function tick() {
        try {
          clock.textContent = new Intl.DateTimeFormat("ja-JP", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone }).format(new Date(Date.now() + skew));
        } catch (e) { zone = undefined; }
      }
      setInterval(tick, 1000); tick();

      function stopFrames() { if (timer) { clearTimeout(timer); timer = null; } attempt = null; }
      function reset(after) {
        if (resetTimer) clearTimeout(resetTimer);
        resetTimer = setTimeout(() => {
          stopFrames(); show("face"); say(msg("start"));
          $("face-staff-number").value = ""; $("pin").value = ""; $("pin-staff-number").value = ""; $("card").value = "";
        }, after);
      }
      function finish(text) {
        stopFrames(); show("result");
        $("result-text").textContent = text; $("result-text").focus();
        reset(8000);
      }

      async function camera() {
        if (stream) return stream;
        stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480, facingMode: "user" }, audio: false });
        $("camera").srcObject = stream;
        await $("camera").play().catch(() => {});
        return stream;
      }

      function chosen(data) {
        stopFrames(); show("choose");
        $("greeting").textContent = data.message;
        $("match-note").textContent = data.verification === "unverified" ? msg("unverified") : "";
        const box = $("choices"); box.textContent = "";
        (data.next || []).forEach((k, i) => {
          const b = document.createElement("button");
          b.type = "button"; b.className = "big" + (k === "out" ? " out" : "") + (k.indexOf("break") === 0 ? " break" : "");
          b.textContent = msg(k); b.setAttribute("data-kind", k);
          b.addEventListener("click", () => punch(data.attempt, k));
          box.appendChild(b);
        });
        $("greeting").focus();
        reset(60000);
      }

      async function punch(id, kind) {
        if (busy) return; busy = true;
        try {
          const r = await api("/api/v1/kiosk/attempts/" + id + "/punch", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ kind: kind }) });
          finish(r.ok ? r.data.message : (r.data.title || msg("network")));
        } catch (e) { finish(msg("network")); } finally { busy = false; }
      }

      async function sendFrame() {
        timer = null;
        if (!attempt) return;
        const v = $("camera"), c = $("frame");
        if (v.readyState < 2) { timer = setTimeout(sendFrame, 200); return; }
        c.getContext("2d").drawImage(v, 0, 0, c.width, c.height);
        const blob = await new Promise((ok) => c.toBlob(ok, "image/jpeg", 0.9));
        const id = attempt;
        if (!blob || !id) return;
        let r;
        try {
          seq += 1;
          r = await api("/api/v1/kiosk/attempts/" + id + "/frames", { method: "POST", headers: { "Content-Type": "image/jpeg", "X-Frame-Seq": String(seq) }, body: blob });
        } catch (e) { finish(msg("network")); return; }
        if (attempt !== id) return;
        // a frame the server has seen before (a camera that repeats itself) is skipped, not the end of the attempt
        if (r.status === 409 && r.data.code === "replayed_frame") { timer = setTimeout(sendFrame, 150); return; }
        if (!r.ok) { finish(r.data.title || msg("network")); return; }
        const d = r.data;
        if (d.state === "recognised") { chosen(d); return; }
        if (d.state === "refused") { finish(d.message); return; }
        say(d.message);
        timer = setTimeout(sendFrame, 150);
      }

      $("face-form").addEventListener("submit", async (ev) => {
        ev.preventDefault();
        if (attempt) return;
        try { await camera(); } catch (e) { say(msg("camera")); $("fallback").open = true; return; }
        const number = $("face-staff-number").value.trim();
        const r = await api("/api/v1/kiosk/attempts", { method: "POST", headers: { "Content-Type": "application/json" },
                                                          body: JSON.stringify(number ? { method: "face", staff_number: number } : { method: "face" }) });
        if (!r.ok) { say(r.data.title || msg("network")); if (r.data.code === "face_unavailable") $("fallback").open = true; return; }
        attempt = r.data.attempt; seq = 0; say(r.data.message);
        if (resetTimer) clearTimeout(resetTimer);
        resetTimer = setTimeout(() => { if (attempt) finish(msg("start")); }, 30000);
        sendFrame();
      });

      function fieldError(id, text) {
        const e = $(id); e.textContent = text || ""; e.hidden = !text;
      }
      async function identify(body, errorId) {
        fieldError(errorId, "");
        let r;
        try { r = await api("/api/v1/kiosk/attempts", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }); }
        catch (e) { fieldError(errorId, msg("network")); return; }
        if (!r.ok) {
          const errs = r.data.errors || {};
          fieldError(errorId, Object.keys(errs).map((k) => errs[k]).join(" ") || r.data.title || msg("network"));
          return;
        }
        chosen(r.data);
      }
      $("pin-form").addEventListener("submit", (ev) => {
        ev.preventDefault();
        identify({ method: "pin", staff_number: $("pin-staff-number").value.trim(), pin: $("pin").value }, "pin-error");
        $("pin").value = "";
      });
      $("card-form").addEventListener("submit", (ev) => {
        ev.preventDefault();
        identify({ method: "card", card: $("card").value.trim() }, "card-error");
        $("card").value = "";
      });
      $("cancel").addEventListener("click", () => reset(0));
      $("pair-form").addEventListener("submit", (ev) => {
        ev.preventDefault();
        const t = $("pair-token").value.trim();
        if (t) { localStorage.setItem(KEY, t); location.reload(); }
      });

      async function boot() {
        if (!token) { $("pair").hidden = false; $("face").hidden = true; $("fallback").hidden = true; return; }
        let r;
        try { r = await api("/api/v1/kiosk"); } catch (e) { say(msg("network")); return; }
        if (r.status === 401) {
          localStorage.removeItem(KEY); token = null;
          $("pair").hidden = false; $("face").hidden = true; $("fallback").hidden = true;
          $("pair-note").textContent = r.data.title || msg("unpaired"); $("pair-note").hidden = false;
          return;
        }
        if (r.data.time_zone) { zone = r.data.time_zone; tick(); }
        $("kiosk-name").textContent = " " + r.data.name + "（" + r.data.place + "）";
        if (!r.data.face) { say(msg("facedown")); $("face-form").hidden = true; $("fallback").open = true; }
      }
      boot();
    })();
    """#

    static let css = """
    .kiosk-body main.kiosk { max-width:760px; }
    .kiosk-head { display:flex; flex-wrap:wrap; align-items:baseline; gap:4px 18px; }
    .kiosk-head h1 { margin:0; } .kiosk-name { font-size:1rem; font-weight:normal; }
    .kiosk-head .clock { margin:0 0 0 auto; font-size:2rem; }
    .kiosk .camera { position:relative; width:100%; max-width:640px; aspect-ratio: 4 / 3; background:#222; border-radius:12px; overflow:hidden; margin:8px auto; }
    .kiosk .camera video { width:100%; height:100%; object-fit:cover; transform: scaleX(-1); }
    .kiosk .instruction { font-size:1.5rem; font-weight:bold; text-align:center; min-height:2.4em; margin:8px 0; }
    .kiosk .result { font-size:1.5rem; font-weight:bold; padding:16px; border:3px solid #1a4fa0; border-radius:12px; }
    .kiosk #greeting { font-size:1.8rem; }
    .kiosk details { margin:16px 0; border:1px solid var(--line); border-radius:8px; padding:8px 12px; }
    .kiosk summary { cursor:pointer; font-weight:bold; padding:6px 0; }
    .kiosk-privacy { font-size:.9rem; }
    .method { display:inline-block; padding:0 6px; margin-left:4px; border-radius:4px; font-size:.8rem; border:1px solid #555; }
    .method.verified { border-color:#146c2e; color:#146c2e; }
    .method.unverified { border:2px dashed #b3261e; color:#b3261e; font-weight:bold; }
    .consent { border:2px solid #1a4fa0; border-radius:8px; padding:8px 16px; margin:12px 0; }
    .review-form { display:flex; flex-wrap:wrap; gap:6px; align-items:flex-start; } .review-form input[type=text] { min-width:16em; flex:1; font:inherit; padding:6px; }
    """
}
