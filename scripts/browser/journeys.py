#!/usr/bin/env python3
"""Real-browser journeys through Yakuba, as new users would take them, with axe-core on every page.

    journeys.py BASE_URL WORK_DIR DEMO_LOG [--first-run-url URL --first-run-log SERVE_LOG] [--only a,b,...]

BASE_URL is a server on a database filled by `yakuba demo` (DEMO_LOG is what that command printed);
--first-run-url is a second server started on an EMPTY database, whose output (the one-time administrator
password) is in --first-run-log. Screenshots, downloads and axe-report.json go to WORK_DIR.

Journeys:
  a  first run: the administrator signs in with the one-time password, must change it, adds a department and a person
  b  phone: a staff member clocks in, takes a break, clocks out; a double tap makes one punch; keyboard-only /punch
  c  phone: a forgotten clock-out is corrected by request, the manager approves, the book shows both
  d  desktop: HR filters the attendance books, opens one, downloads the CSV (UTF-8 and Shift_JIS), opens the print view
  e  desktop: a wrong input on each form shows its message beside the field and changes nothing
  f  desktop: the work rules: HR makes a 課 他律, the manager's order past a limit needs a 特例 designation, leave is
     requested and approved, HR checks the holiday calendar, closes last month and opens the payroll CSV
  g  phone: the DX office builds a loan-equipment app (with an attachment field), a record refused without its required
     field and with a file of the wrong kind, then saved with a PDF (downloaded back) and moved through its statuses with
     the history shown; the app exported as a template and imported under another name; its records exported and
     imported as CSV (a wrong column refused); an API token for the app alone (reads the app, nothing else);
     desktop: the demo's request app (list, chart beside its table, calendar, kanban) and the DX dashboard
  k  tablet: the face kiosk: the administrator registers a kiosk (an empty name refused beside the field), a member of
     staff enrols their face with consent (refused without it), fake cameras (Chromium playing Y4M files) clock in by
     face with the head-turn challenge, are refused for a stranger and for a still photo, and clock out with an uncertain
     match that the manager then confirms on /kiosk-reviews; the kiosk revoked goes back to its pairing screen; the
     kiosk's 顔で打刻 reached by Tab. Needs --face-images and --face-streams (scripts/browser-test makes the streams with
     scripts/face/streams.py) and a server with the face models; without them it is skipped, or fails if FACE_REQUIRED=1

Every page visited is checked with axe-core (WCAG 2.0/2.1 A and AA) in Japanese and in English. Exit 1 on any
failed journey or any axe violation.
"""
import argparse
import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from zoneinfo import ZoneInfo

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = (390, 844)
TABLET = (1024, 768)
DESKTOP = (1280, 900)
WAIT = 20
ZONE = ZoneInfo(os.environ.get("YAKUBA_TIME_ZONE", "Asia/Tokyo"))


class JourneyFailure(AssertionError):
    pass


class JourneySkipped(Exception):
    """What a journey needs is missing (and FACE_REQUIRED is not set): reported, neither passed nor failed."""


def check(cond, message):
    if not cond:
        raise JourneyFailure(message)


def now_local():
    return dt.datetime.now(ZONE)


def minutes_apart(hm, moment):
    """Minutes between an 'H:MM' shown by the app and a datetime (same day assumed, wraps at midnight)."""
    h, m = map(int, hm.split(":")[:2])
    shown = h * 60 + m
    actual = moment.hour * 60 + moment.minute
    d = abs(shown - actual)
    return min(d, 1440 - d)


# --------------------------------------------------------------------------------------------------
# axe-core

def find_axe_js(explicit):
    """The axe-core script: --axe-js, $AXE_JS, or the copy inside axe_selenium_python."""
    for p in [explicit, os.environ.get("AXE_JS")]:
        if p:
            return p
    import axe_selenium_python
    return os.path.join(os.path.dirname(axe_selenium_python.__file__), "node_modules", "axe-core", "axe.min.js")


class Auditor:
    def __init__(self, axe_path):
        with open(axe_path, encoding="utf-8") as f:
            self.source = f.read()
        self.path = axe_path
        self.version = None
        self.checked = []        # (page name, lang, url)
        self.violations = []     # dicts

    def run(self, d, page, lang):
        """axe on the current document as it is now; records violations under `page` (lang is ja or en)."""
        key = (page, lang)
        if key in {(c[0], c[1]) for c in self.checked}:
            return
        d.execute_script(self.source)
        self.version = self.version or d.execute_script("return window.axe && axe.version")
        d.set_script_timeout(60)
        res = d.execute_async_script(
            """var cb = arguments[arguments.length - 1];
            axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
              .then(function (r) { cb({ok: true, violations: r.violations}); })
              .catch(function (e) { cb({ok: false, error: String(e)}); });""", WCAG_TAGS)
        if not res.get("ok"):
            raise RuntimeError(f"axe-core {self.version} ({self.path}) could not run: {res.get('error')}. "
                               "It needs axe-core 4.x for the wcag21 tags (see scripts/browser-test, which fetches one).")
        actual_lang = d.execute_script("return document.documentElement.lang")
        if actual_lang != lang:
            raise JourneyFailure(f"axe on {page}: expected the page in {lang}, got <html lang={actual_lang!r}> at {d.current_url}")
        self.checked.append((page, lang, d.current_url))
        for v in res["violations"]:
            self.violations.append({
                "rule": v["id"], "impact": v.get("impact"), "help": v.get("help"), "helpUrl": v.get("helpUrl"),
                "page": page, "lang": lang, "url": d.current_url,
                "nodes": [{"html": n.get("html", "")[:300], "target": n.get("target"),
                           "summary": (n.get("failureSummary") or "")[:400]} for n in v.get("nodes", [])],
            })


# --------------------------------------------------------------------------------------------------
# the browser


def with_lang(url, lang):
    parts = urllib.parse.urlsplit(url)
    q = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k != "lang"] + [("lang", lang)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(q)))


class Browser:
    """One person in one browser window (its own cookies)."""

    def __init__(self, suite, who, size, download_dir=None, extra_args=()):
        self.suite = suite
        self.who = who
        o = webdriver.ChromeOptions()
        for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={size[0]},{size[1]}",
                  "--lang=ja-JP", "--force-device-scale-factor=1", *extra_args]:
            o.add_argument(a)
        o.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        prefs = {"intl.accept_languages": "ja-JP,ja"}
        if download_dir:
            os.makedirs(download_dir, exist_ok=True)
            prefs.update({"download.default_directory": download_dir, "download.prompt_for_download": False,
                          "download.directory_upgrade": True, "safebrowsing.enabled": False})
        o.add_experimental_option("prefs", prefs)
        self.d = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=o)
        self.d.set_page_load_timeout(60)
        if download_dir:
            self.d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": download_dir})
        # headless Chromium keeps a window at least 500 px wide and takes its frame off the height: set the viewport
        # itself, so the phone is really 390 CSS px wide (with a phone's viewport handling) and the desktop 1280×900
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": size[0], "height": size[1], "deviceScaleFactor": 1,
                                                                      "mobile": size[0] < 600})
        self.size = size

    def quit(self):
        try:
            self.d.quit()
        except Exception:
            pass

    # navigation --------------------------------------------------------------------------------
    @property
    def base(self):
        return self.suite.base

    def url(self, path):
        return path if path.startswith("http") else self.base + path

    def get(self, path):
        self.d.get(self.url(path))
        self.wait_ready()

    def wait_ready(self):
        WebDriverWait(self.d, WAIT).until(lambda d: d.execute_script("return document.readyState") == "complete")

    def wait(self, cond, message, timeout=WAIT):
        try:
            return WebDriverWait(self.d, timeout).until(cond)
        except TimeoutException:
            raise JourneyFailure(f"{self.who}: timed out waiting for {message} (at {self.d.current_url})")

    def submit(self, button):
        """Clicks a submit button and waits for the next document."""
        old = self.d.find_element(By.TAG_NAME, "html")
        button.click()
        self.wait_gone(old, "the form's answer")

    def wait_gone(self, old, message, timeout=WAIT):
        """Waits until `old` (the previous document's <html>) is gone and the new document has loaded."""
        def gone(_):
            try:
                old.is_enabled()
                return False
            except Exception:   # stale, or 'node does not belong to the document' while the page is swapped
                return True
        self.wait(gone, message, timeout)
        self.wait_ready()

    def css(self, sel):
        return self.d.find_element(By.CSS_SELECTOR, sel)

    def all(self, sel):
        return self.d.find_elements(By.CSS_SELECTOR, sel)

    def has(self, sel):
        return len(self.all(sel)) > 0

    def text(self, sel="main"):
        return self.css(sel).text

    def flash(self):
        el = self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, ".flash")), "a confirmation message (.flash)")
        return el.text

    def h1(self):
        return self.css("h1").text

    def path(self):
        return urllib.parse.urlsplit(self.d.current_url).path

    def fill(self, id_, value):
        el = self.d.find_element(By.ID, id_)
        el.clear()
        if value:
            el.send_keys(value)
        return el

    def set_value(self, id_, value):
        """For date/time inputs, whose typing depends on the locale: set the value as a script would."""
        el = self.d.find_element(By.ID, id_)
        self.d.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}))", el, value)
        return el

    def screenshot(self, name):
        p = os.path.join(self.suite.work, name)
        self.d.save_screenshot(p)
        self.suite.screens.append(name)

    # signing in --------------------------------------------------------------------------------
    def sign_in(self, number, password, expect_path="/punch"):
        self.get("/login?lang=ja")
        self.audit("login")
        self.fill("staff_number", number)
        self.fill("password", password)
        self.submit(self.css("form[action='/login'] button[type=submit]"))
        check(not self.has("#login-error"), f"{self.who}: sign-in refused: {self.text() if self.has('main') else ''}")
        if expect_path:
            check(self.path() == expect_path, f"{self.who}: after sign-in expected {expect_path}, got {self.d.current_url}")

    def cookies_header(self):
        return "; ".join(f"{c['name']}={c['value']}" for c in self.d.get_cookies())

    def fetch(self, path, headers=None):
        """GET with this browser's cookies (for downloads and the JSON API): (status, headers, bytes)."""
        req = urllib.request.Request(self.url(path), headers={"Cookie": self.cookies_header(), **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def api_json(self, path, token=None):
        h = {"Accept": "application/json"}
        if token:
            st, hd, body = self._bearer(path, token)
        else:
            st, hd, body = self.fetch(path, h)
        check(st == 200, f"{self.who}: GET {path} answered {st}: {body[:300]!r}")
        return json.loads(body)

    def _bearer(self, path, token):
        req = urllib.request.Request(self.url(path), headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    # accessibility -----------------------------------------------------------------------------
    def audit(self, page, en=True, replay_en=None):
        """axe on the current page in Japanese; then the same page in English and back.

        For a GET page the English one is the same URL with lang=en. For a page that answers a POST (a form
        with errors), `replay_en` redoes the submission once the language is English."""
        self.suite.auditor.run(self.d, page, "ja")
        if not en or (page, "en") in {(c[0], c[1]) for c in self.suite.auditor.checked}:
            return
        here = self.d.current_url
        if replay_en is None:
            self.d.get(with_lang(here, "en"))
            self.wait_ready()
            self.suite.auditor.run(self.d, page, "en")
            self.d.get(with_lang(here, "ja"))
            self.wait_ready()
        else:
            replay_en()
            self.suite.auditor.run(self.d, page, "en")
            self.set_lang("ja")

    def set_lang(self, lang):
        """The app keeps ?lang= in a cookie: switch it by visiting the current page with lang=."""
        self.d.get(with_lang(self.d.current_url, lang))
        self.wait_ready()


# --------------------------------------------------------------------------------------------------
# helpers on the app's pages


def field_error(b, control_id):
    """The error message of a form field, and checks that it is tied to the control and shown beside it."""
    control = b.d.find_element(By.ID, control_id)
    err_id = f"{control_id}-error"
    errs = b.all(f"#{err_id}")
    check(errs, f"no error message #{err_id} beside field #{control_id}; the page says: {b.text()[:300]}")
    err = errs[0]
    check(err.is_displayed() and err.text.strip(), f"#{err_id} is empty or hidden")
    described = (control.get_attribute("aria-describedby") or "").split()
    same_wrapper = b.d.execute_script(
        "var a = arguments[0].closest('.field'), b = arguments[1].closest('.field'); return !!a && a === b;", control, err)
    check(err_id in described or same_wrapper,
          f"#{err_id} is neither in #{control_id}'s aria-describedby ({described}) nor in its .field wrapper")
    check(err_id in described, f"#{control_id} aria-describedby={described} does not name {err_id}")
    check(control.get_attribute("aria-invalid") == "true", f"#{control_id} lacks aria-invalid=true")
    # beside the field: within a short distance on the screen
    r1 = control.rect
    r2 = err.rect
    gap = max(0, r1["y"] - (r2["y"] + r2["height"]), r2["y"] - (r1["y"] + r1["height"]))
    check(gap < 80, f"#{err_id} is {gap}px away from #{control_id}")
    return err.text.strip()


def book_rows(b):
    """The book table's rows: {day number: (row element, cells text list, row text)}."""
    out = {}
    for tr in b.all("main table tbody tr"):
        ths = tr.find_elements(By.CSS_SELECTOR, "th")
        if not ths:
            continue
        m = re.search(r"(\d+)日", ths[0].text) or re.search(r"\d{4}-\d{2}-(\d{2})", ths[0].text)
        if m:
            out[int(m.group(1))] = tr
    return out


def my_book_path(b):
    link = b.css("header nav a[href^='/books/']")
    return urllib.parse.urlsplit(link.get_attribute("href")).path


def punches_today(b):
    today = now_local().date().isoformat()
    return b.api_json(f"/api/v1/punches?from={today}&to={today}")["punches"]


def today_rows(b):
    """Rows of the 本日の打刻 table on /punch: [(time, kind, place)]."""
    rows = []
    for tr in b.all("main table tbody tr"):
        tds = [td.text.strip() for td in tr.find_elements(By.CSS_SELECTOR, "td")]
        if len(tds) == 3:
            rows.append(tuple(tds))
    return rows


def punch_buttons(b):
    return b.all("form[action='/punch'] button[name=kind]")


def parse_demo_log(path):
    text = open(path, encoding="utf-8").read()
    def number(label):
        m = re.search(re.escape(label) + r"\s+職員番号 (\S+)\s+(.+)", text)
        if not m:
            raise SystemExit(f"{path}: no line for {label!r}")
        return m.group(1), m.group(2).strip()
    pw = re.search(r"password for all: ([^)\s]+)\)", text)
    if not pw:
        raise SystemExit(f"{path}: no 'password for all: ...'")
    return {
        "password": pw.group(1),
        "admin": number("管理者 admin"), "hr": number("人事課 HR"), "manager": number("所属長 manager"),
        "staff": number("職員 staff"), "part": number("会計年度(パート) part-time"), "dx": number("DX推進 DX office"),
    }


# --------------------------------------------------------------------------------------------------
# the journeys


class Suite:
    def __init__(self, args):
        self.base = args.base_url.rstrip("/")
        self.work = os.path.abspath(args.work_dir)
        os.makedirs(self.work, exist_ok=True)
        self.demo = parse_demo_log(args.demo_log)
        self.first_url = args.first_run_url.rstrip("/") if args.first_run_url else None
        self.first_log = args.first_run_log
        self.auditor = Auditor(find_axe_js(args.axe_js))
        self.screens = []
        self.results = []      # (journey, ok, message); ok is None for a journey skipped
        self.notes = []        # things worth knowing that are not failures
        self.browsers = []
        self.face_images = args.face_images
        self.face_streams = args.face_streams
        self.face_missing = args.face_missing

    def browser(self, who, size, **kw):
        b = Browser(self, who, size, **kw)
        self.browsers.append(b)
        return b

    def close_all(self):
        for b in self.browsers:
            b.quit()
        self.browsers = []

    def run(self, name, fn):
        print(f"--- journey {name}: {fn.__doc__.strip().splitlines()[0]}", flush=True)
        t0 = time.time()
        try:
            fn()
            self.results.append((name, True, f"{time.time() - t0:.1f}s"))
            print(f"    ok ({time.time() - t0:.1f}s)", flush=True)
        except JourneySkipped as e:
            self.results.append((name, None, str(e)))
            print(f"    skipped: {e}", flush=True)
        except Exception as e:
            msg = f"{type(e).__name__}: {getattr(e, 'msg', None) or e}".split("\n")[0]
            self.results.append((name, False, msg))
            print(f"    FAILED: {msg}", flush=True)
            if not isinstance(e, JourneyFailure):
                tb = traceback.extract_tb(e.__traceback__)
                for fr in tb:
                    if fr.filename == __file__:
                        print(f"      at line {fr.lineno} in {fr.name}: {fr.line}")
            for i, b in enumerate(self.browsers):
                try:
                    b.d.save_screenshot(os.path.join(self.work, f"{name}-FAIL-{i}-{b.who}.png"))
                except Exception:
                    pass
        finally:
            self.close_all()

    # a ------------------------------------------------------------------------------------------
    def journey_a(self):
        """First run: one-time admin password, forced change, a department and a staff member"""
        check(self.first_url and self.first_log, "journey a needs --first-run-url and --first-run-log (a server on an empty database)")
        log = open(self.first_log, encoding="utf-8", errors="replace").read()
        m = re.search(r"管理者 administrator: 職員番号 (\S+)\s*\n\s*一回限りのパスワード one-time password: (\S+)", log)
        check(m, f"the first `yakuba serve` printed no one-time administrator password; its output:\n{log[:1500]}")
        admin, otp = m.group(1), m.group(2)
        b = self.browser("first-admin", DESKTOP)
        saved_base = self.base
        self.base = self.first_url
        try:
            b.sign_in(admin, otp, expect_path="/password")
            check("初回ログイン" in b.text(), "the password page does not say this is the first sign-in")
            b.screenshot("a-1-must-change-password.png")
            b.audit("password (first sign-in)")
            # every other page sends them back until the password is changed
            b.get("/admin/staff")
            check(b.path() == "/password", f"before changing the password /admin/staff was shown ({b.d.current_url})")
            # a too-short new password is refused beside its field
            b.fill("current", otp); b.fill("new_password", "short"); b.fill("confirm", "short")
            b.submit(b.css("form[action='/password'] button[type=submit]"))
            msg = field_error(b, "new_password")
            check("12" in msg, f"the short-password message does not give the length: {msg}")
            b.screenshot("a-1b-password-too-short.png")

            def too_short():
                b.fill("current", otp); b.fill("new_password", "short"); b.fill("confirm", "short")
                b.submit(b.css("form[action='/password'] button[type=submit]"))
            b.audit("password (too short)", replay_en=lambda: (b.set_lang("en"), too_short()))
            new_pw = "Kanri-Yakuba-2025!"
            b.fill("current", otp); b.fill("new_password", new_pw); b.fill("confirm", new_pw)
            b.submit(b.css("form[action='/password'] button[type=submit]"))
            check("パスワードを変更しました" in b.h1(), f"password change not confirmed: {b.text()[:200]}")
            b.audit("password changed", en=False)   # in English below, by the new staff member
            # departments
            b.get("/admin/departments")
            check(b.path() == "/admin/departments", f"/admin/departments not reachable after the change ({b.d.current_url})")
            b.audit("admin/departments")
            b.fill("code", "01"); b.fill("name", "総務部")
            b.submit(b.css("form[action='/admin/departments'] button[type=submit]"))
            check("総務部" in b.flash(), "no confirmation for the new 部")
            b.audit("admin/departments (added)")
            Select(b.d.find_element(By.ID, "parent")).select_by_visible_text("総務部")
            b.fill("code", "0101"); b.fill("name", "総務課")
            b.submit(b.css("form[action='/admin/departments'] button[type=submit]"))
            check("総務課" in b.flash(), "no confirmation for the new 課")
            listed = b.text("main table tbody")
            check("総務部" in listed and "総務課" in listed and "0101" in listed, f"the departments are not listed: {listed}")
            b.screenshot("a-2-departments.png")
            # a staff member
            b.get("/admin/staff/new")
            b.audit("admin/staff/new")
            for k, v in {"staff_number": "200001", "family_name": "山田", "given_name": "花子", "family_kana": "ヤマダ",
                         "given_kana": "ハナコ", "position": "主事"}.items():
                b.fill(k, v)
            Select(b.d.find_element(By.ID, "department")).select_by_visible_text("　総務課")
            b.css("#role_approver").click()
            b.submit(b.css("form[action='/admin/staff'] button[type=submit]"))
            check(b.path() == "/admin/staff", f"after adding, expected the staff list, got {b.d.current_url}: {b.text()[:300]}")
            f = b.flash()
            pm = re.search(r"初回パスワード：(\S+?)（", f)
            check("山田 花子" in f and pm, f"the confirmation does not give the name and a one-time password: {f}")
            rows = b.text("main table tbody")
            check("200001" in rows and "山田 花子" in rows and "総務部 総務課" in rows, f"the new person is not listed: {rows[:500]}")
            b.screenshot("a-3-staff-listed.png")
            b.audit("admin/staff")
            b.get("/admin/municipality")
            b.audit("admin/municipality")
            # the new person signs in with their one-time password and must change it too
            p = self.browser("first-staff", DESKTOP)
            p.sign_in("200001", pm.group(1), expect_path="/password")
            p.set_lang("en")
            p.fill("current", pm.group(1)); p.fill("new_password", "Hanako-Yamada-77"); p.fill("confirm", "Hanako-Yamada-77")
            p.submit(p.css("form[action='/password'] button[type=submit]"))
            check("Password changed" in p.h1(), f"the new staff member could not set a password: {p.h1()}")
            self.auditor.run(p.d, "password changed", "en")
            p.set_lang("ja")
            p.get("/punch")
            check(p.path() == "/punch" and p.has("button[name=kind][value=in]"), "the new staff member sees no clock-in button")
        finally:
            self.base = saved_base

    # b ------------------------------------------------------------------------------------------
    def journey_b(self):
        """Phone: clock in, break, clock out; a double tap makes one punch; keyboard-only /punch"""
        pw = self.demo["password"]
        number, name = self.demo["staff"]
        b = self.browser("staff-phone", PHONE)
        b.sign_in(number, pw)
        who = b.css("header .who").get_attribute("textContent")
        check(name in who and number in who, f"the header does not name {name}（{number}）: {who!r}")
        before = punches_today(b)
        check(before == [], f"the demo staff member already has punches today (start the demo with --no-today): {before}")
        check("勤務外" in b.text("#state"), f"expected 勤務外 before clocking in, the page says {b.text('#state')}")
        # axe first, so that a page a screen reader cannot use fails as an accessibility violation, not only here
        b.audit("punch (off duty)")
        check("勤務外" in b.text("#state"), f"expected 勤務外 after the audit, the page says {b.text('#state')}")
        buttons = punch_buttons(b)
        check(buttons and buttons[0].get_attribute("value") == "in" and "出勤" in buttons[0].text,
              f"the first big button is not 出勤: {[x.text for x in buttons]}")
        check(buttons[0].rect["width"] >= 300, f"the clock-in button is not phone-wide: {buttons[0].rect}")
        places = b.all("input[name=place]")
        chosen = [p for p in places if p.is_selected()]
        check(chosen, "no place is preselected")
        place = chosen[0].find_element(By.XPATH, "..").text.strip()
        b.screenshot("b-0-punch-page.png")
        # the demo city asks for the condition at clock-in: optional, 答えない preselected; this person answers 4
        check(b.has("fieldset.condition") and b.css("#condition-skip").is_selected(), "the condition question, with 答えない preselected")
        b.css("label:has(#condition-4)").click()
        check(b.css("#condition-4").is_selected(), "tapping 4 selects it")

        # clock in with a double tap: one punch
        tap_at = now_local()
        old = b.css("html")
        ActionChains(b.d).double_click(punch_buttons(b)[0]).perform()
        b.wait_gone(old, "the punch page after the double tap")
        f = b.flash()
        m = re.search(r"出勤を (\d{1,2}:\d{2}) に記録しました（(.+?)）", f)
        check(m, f"no confirmation with the time and place after clocking in: {f!r}")
        check(minutes_apart(m.group(1), tap_at) <= 2, f"the confirmed time {m.group(1)} is not now ({tap_at:%H:%M})")
        check(m.group(2) == place, f"the confirmed place {m.group(2)} is not the chosen {place}")
        if "勤務中" not in b.text("#state"):
            shown, table = b.text("#state"), today_rows(b)
            b.screenshot("b-1-punched-BUG.png")
            api = punches_today(b)
            b.get("/punch")
            raise JourneyFailure(f"after the confirmation {f!r} the page still says {shown!r} with today's table {table}; "
                                 f"the API has {[(p['kind'], p['at']) for p in api]}; reloaded, the page says {b.text('#state')!r}")
        clock = b.text("#clock")
        check(re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", clock), f"#clock shows {clock!r}")
        rows = today_rows(b)
        check(len(rows) == 1 and rows[0][1] == "出勤" and rows[0][2] == place and rows[0][0] == m.group(1),
              f"today's punches after a double tap on 出勤: {rows}")
        got = punches_today(b)
        check([p["kind"] for p in got] == ["in"], f"the API shows {len(got)} punches after one double tap: {got}")
        b.screenshot("b-1-punched.png")
        b.audit("punch (working)")

        # break start
        btn = [x for x in punch_buttons(b) if x.get_attribute("value") == "break_start"]
        check(btn, f"no 休憩開始 button while working: {[x.text for x in punch_buttons(b)]}")
        b.submit(btn[0])
        check("休憩開始" in b.flash() and "休憩中" in b.text("#state"), f"break not started: {b.text('#state')}")
        b.screenshot("b-2-on-break.png")
        b.audit("punch (on a break)")

        # break end, submitted twice from the same form (same idempotency key), past the page's own guard
        btn = [x for x in punch_buttons(b) if x.get_attribute("value") == "break_end"]
        check(btn, f"no 休憩終了 button on a break: {[x.text for x in punch_buttons(b)]}")
        statuses = b.d.execute_async_script("""
            var cb = arguments[arguments.length - 1];
            var form = document.querySelector("form[action='/punch']");
            function send() { var fd = new FormData(form); fd.set('kind', 'break_end');
              return fetch('/punch', {method: 'POST', body: new URLSearchParams(fd), credentials: 'same-origin'}).then(function (r) { return r.status; }); }
            Promise.all([send(), send()]).then(cb).catch(function (e) { cb(String(e)); });""")
        check(statuses == [200, 200], f"two submissions of one form: expected both to end on the punch page (200), got {statuses}")
        b.get("/punch")
        kinds = [p["kind"] for p in punches_today(b)]
        check(kinds == ["in", "break_start", "break_end"], f"a double submit of 休憩終了 made: {kinds}")
        check("勤務中" in b.text("#state"), f"state after the break: {b.text('#state')}")
        b.screenshot("b-3-break-ended.png")

        # clock out
        btn = punch_buttons(b)[0]
        check(btn.get_attribute("value") == "out" and "退勤" in btn.text, f"the big button after the break is not 退勤: {btn.text}")
        b.submit(btn)
        f = b.flash()
        check(re.search(r"退勤を \d{1,2}:\d{2} に記録しました", f), f"no clock-out confirmation: {f}")
        check("勤務外" in b.text("#state"), f"state after clocking out: {b.text('#state')}")
        rows = today_rows(b)
        check([r[1] for r in rows] == ["出勤", "休憩開始", "休憩終了", "退勤"], f"today's table after clocking out: {rows}")
        b.screenshot("b-4-clocked-out.png")
        b.audit("punch (after clocking out)")

        # an API token, and the punches seen through it
        b.get("/tokens")
        b.audit("tokens")
        b.fill("name", "ブラウザ試験")
        b.submit(b.css("form[action='/tokens'] button[type=submit]"))
        token = b.text("#new-token").strip()
        check(len(token) >= 20, f"no token shown: {token!r}")
        b.screenshot("b-5-token.png")
        b.audit("tokens (created)", replay_en=lambda: (b.set_lang("en"), b.fill("name", "browser test"),
                                                       b.submit(b.css("form[action='/tokens'] button[type=submit]"))))
        today = now_local().date().isoformat()
        st, _, body = b._bearer(f"/api/v1/punches?from={today}&to={today}", token)
        check(st == 200, f"GET /api/v1/punches with the token: {st} {body[:200]!r}")
        kinds = [p["kind"] for p in json.loads(body)["punches"]]
        check(kinds == ["in", "break_start", "break_end", "out"], f"the API with a token shows {kinds}")

        # their own condition over time (nobody else's): today's 4 is in this week's average
        b.get("/condition")
        check("自分のコンディション" in b.h1() and b.has("main svg.chart[role=img]"), f"the condition page: {b.h1()}")
        b.audit("condition (own)")

        # English, on the phone
        b.get("/punch?lang=en")
        check("Clock" in b.h1() and "Off duty" in b.text("#state"), f"the English punch page: {b.h1()} / {b.text('#state')}")
        b.screenshot("en-phone-punch.png")
        b.set_lang("ja")

        self.keyboard_punch()

    def keyboard_punch(self):
        """Keyboard only on /punch: Tab reaches the big button, focus is visible, Enter and Space punch."""
        number, _ = self.demo["part"]
        k = self.browser("keyboard", PHONE)
        k.sign_in(number, self.demo["password"])

        style = """var s = getComputedStyle(arguments[0]);
                   return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor].join('|');"""

        def tab_to_punch_button():
            """A fresh /punch, Tab from the top until the main button has focus: (button, presses, style before)."""
            k.get("/punch")
            target = punch_buttons(k)[0]
            k.d.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
            before = k.d.execute_script(style, target)
            for n in range(1, 60):
                ActionChains(k.d).send_keys(Keys.TAB).perform()
                if k.d.switch_to.active_element == target:
                    return target, n, before
            raise JourneyFailure("Tab from the top of /punch never reaches the main punch button")

        target, presses, unfocused = tab_to_punch_button()
        first_kind = target.get_attribute("value")
        focused = k.d.execute_script(style, target)
        visible_focus = focused.split("|")
        check(k.d.execute_script("return arguments[0].matches(':focus-visible')", target),
              "the punch button reached by Tab does not match :focus-visible")
        k.screenshot("b-6-keyboard-focus.png")
        check(focused != unfocused, f"no visible focus indicator: the same outline/box-shadow with and without focus ({focused})")
        if visible_focus[0] != "none":
            self.notes.append(f"/punch: the main button gets focus after {presses} Tab presses; focus outline {visible_focus[1]} "
                              f"{visible_focus[0]} {visible_focus[2]}")
            ratio = contrast(visible_focus[2], "rgb(255, 255, 255)")
            if ratio is not None and ratio < 3:
                self.notes.append(f"WARNING /punch: the focus outline colour {visible_focus[2]} has a contrast of {ratio:.2f}:1 "
                                  "against the white page (WCAG 1.4.11 asks 3:1 for a focus indicator); Views/Assets.swift css "
                                  "`a:focus, button:focus, ... { outline: 3px solid #f9a825 }`")
        # Enter, on the button just reached with Tab
        old = k.css("html")
        ActionChains(k.d).send_keys(Keys.ENTER).perform()
        k.wait_gone(old, "a punch after pressing Enter")
        check(re.search(r"を \d{1,2}:\d{2} に記録しました", k.flash()), f"Enter on the button recorded nothing: {k.text()[:200]}")
        kinds = [p["kind"] for p in punches_today(k)]
        check(kinds == [first_kind], f"after Enter the punches today are {kinds}, expected [{first_kind}]")
        # Space, on a fresh load
        target, _, _ = tab_to_punch_button()
        second_kind = target.get_attribute("value")
        old = k.css("html")
        ActionChains(k.d).send_keys(Keys.SPACE).perform()
        k.wait_gone(old, "a punch after pressing Space")
        check(re.search(r"を \d{1,2}:\d{2} に記録しました", k.flash()), f"Space on the button recorded nothing: {k.text()[:200]}")
        kinds = [p["kind"] for p in punches_today(k)]
        check(kinds == [first_kind, second_kind], f"after Enter then Space the punches today are {kinds}")
        k.screenshot("b-7-keyboard-punched.png")

    # c ------------------------------------------------------------------------------------------
    def find_missing_clock_out(self, b):
        """(book path, ISO date, clock-in text) of a day within the correction window flagged 退勤打刻なし, or None."""
        today = now_local().date()
        book = my_book_path(b)
        month = today.replace(day=1)
        for _ in range(3):
            b.get(f"{book}?month={month:%Y-%m}")
            for day, tr in sorted(book_rows(b).items(), reverse=True):
                date = month.replace(day=day)
                if date >= today or (today - date).days > 60:
                    continue
                if "退勤打刻なし" in tr.text:
                    tds = tr.find_elements(By.CSS_SELECTOR, "td")
                    return book, date, tds[2].text.strip()
            month = (month - dt.timedelta(days=1)).replace(day=1)
        return None

    def journey_c(self):
        """Phone: a forgotten clock-out is requested as a correction, the manager approves, the book shows both"""
        pw = self.demo["password"]
        m_number, m_name = self.demo["manager"]
        number, name = self.demo["staff"]
        b = self.browser("staff-phone", PHONE)
        b.sign_in(number, pw)
        found = self.find_missing_clock_out(b)
        if not found:
            # the demo's staff member never forgot: take a colleague of the same manager who did
            mgr = self.browser("manager-lookup", DESKTOP)
            mgr.sign_in(m_number, pw)
            candidates = []
            for month_back in range(3):
                month = (now_local().date().replace(day=1) - dt.timedelta(days=31 * month_back)).replace(day=1)
                mgr.get(f"/books?month={month:%Y-%m}")
                for tr in mgr.all("main table tbody tr"):
                    if "退勤打刻なし" in tr.text:
                        candidates.append(tr.find_elements(By.CSS_SELECTOR, "td")[0].text.strip())
            mgr.quit()
            self.browsers.remove(mgr)
            check(candidates, "no day flagged 退勤打刻なし in the demo for the manager's staff")
            number = candidates[0]
            b.quit(); self.browsers.remove(b)
            b = self.browser("staff-phone", PHONE)
            b.sign_in(number, pw)
            found = self.find_missing_clock_out(b)
            self.notes.append(f"journey c: the demo staff member had no forgotten clock-out; used colleague {number}")
            check(found, f"{number} was listed with 退勤打刻なし but their book shows none within the correction window")
        book, day, clock_in = found
        b.screenshot("c-0-book-missing-out.png")
        b.audit("book (own)")
        check(clock_in, f"the {day} row has no clock-in time")
        out_time = "18:05"
        b.get(f"/corrections/new?date={day.isoformat()}")
        b.audit("corrections/new")
        Select(b.d.find_element(By.ID, "action")).select_by_value("add")
        Select(b.d.find_element(By.ID, "target")).select_by_value("")
        Select(b.d.find_element(By.ID, "kind")).select_by_value("out")
        check(b.d.find_element(By.ID, "date").get_attribute("value") == day.isoformat(), "the date from the link is not filled in")
        b.set_value("time", out_time)
        b.fill("reason", "退勤の打刻を忘れたため")
        b.screenshot("c-1-correction-form.png")
        b.submit(b.css("form[action='/corrections'] button[type=submit]"))
        check(b.path() == "/corrections", f"the request was not accepted: {b.text()[:400]}")
        check("申請しました" in b.flash(), "no confirmation of the request")
        mine = b.text("main")
        check("承認待ち" in mine and out_time in mine, f"'my requests' does not show the pending request: {mine[:500]}")
        b.screenshot("c-2-requested.png")
        b.audit("corrections (staff)")

        mgr = self.browser("manager-phone", PHONE)
        mgr.sign_in(m_number, pw)
        mgr.get("/today")
        mgr.audit("today")
        mgr.get("/corrections")
        rows = [tr for tr in mgr.all("main table tbody tr") if f"（{number}）" in tr.text and out_time in tr.text]
        check(rows, f"the manager does not see the request of {number}: {mgr.text()[:600]}")
        mgr.screenshot("c-3-manager-pending.png")
        mgr.audit("corrections (manager, pending)")
        rows = [tr for tr in mgr.all("main table tbody tr") if f"（{number}）" in tr.text and out_time in tr.text]
        mgr.submit(rows[0].find_element(By.CSS_SELECTOR, "button[value=approve]"))
        check("承認しました" in mgr.flash(), "no confirmation of the approval")
        check(not [tr for tr in mgr.all("main table tbody tr") if f"（{number}）" in tr.text and out_time in tr.text and tr.find_elements(By.CSS_SELECTOR, "button")],
              "the approved request is still waiting")
        mgr.screenshot("c-4-approved.png")
        mgr.audit("corrections (manager, approved)")

        b.get(f"{book}?month={day:%Y-%m}")
        tr = book_rows(b)[day.day]
        cells = [td.text.strip() for td in tr.find_elements(By.CSS_SELECTOR, "td")]
        check(cells[2] == clock_in, f"the original clock-in {clock_in} is no longer shown: {cells}")
        check(cells[3] == out_time, f"the corrected clock-out {out_time} is not in the 退勤 column: {cells}")
        check("修正" in tr.text and out_time in tr.text, f"the row does not mark the correction: {tr.text}")
        check("退勤打刻なし" not in tr.text, f"the day is still flagged 退勤打刻なし: {tr.text}")
        history = b.text("main")
        check("打刻修正の履歴" in history and "承認済" in history, "the book has no correction history with 承認済")
        b.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", tr)
        b.screenshot("c-5-book-corrected.png")
        b.audit("book (own, corrected)")

    # d ------------------------------------------------------------------------------------------
    def journey_d(self):
        """Desktop: HR filters the books by department, opens one, downloads both CSVs, opens the print view, then the dashboard"""
        number, name = self.demo["hr"]
        dl = os.path.join(self.work, "downloads")
        b = self.browser("hr-desktop", DESKTOP, download_dir=dl)
        b.sign_in(number, self.demo["password"])
        b.get("/books")
        b.audit("books")
        total_all = int(re.search(r"(\d+)名中", b.text("main p[role=status]")).group(1))
        sel = Select(b.d.find_element(By.ID, "department"))
        label = lambda o: o.get_attribute("textContent")
        ka = [o for o in sel.options if label(o).startswith("　") and not label(o).startswith("　　")]
        check(ka, f"no 課 among the department choices: {[label(o) for o in sel.options][:10]}")
        ka_name = label(ka[0]).strip()
        ka_id = ka[0].get_attribute("value")
        sel.select_by_value(ka_id)
        b.submit(b.css("form[action='/books'] button[type=submit]"))
        check(f"department={ka_id}" in b.d.current_url, f"the filter is not in the URL: {b.d.current_url}")
        status = b.text("main p[role=status]")
        total = int(re.search(r"(\d+)名中", status).group(1))
        check(0 < total < total_all, f"filtering by {ka_name} shows {total} of {total_all}")
        rows = b.all("main table tbody tr")
        check(rows, "no rows after filtering")
        for tr in rows:
            dept = tr.find_elements(By.CSS_SELECTOR, "td")[1].text
            check(ka_name in dept, f"a person of {dept!r} is listed under the filter {ka_name!r}")
        b.screenshot("d-1-books-filtered.png")
        b.audit("books (filtered)")   # (reloads the page: find the rows again)
        link = b.all("main table tbody tr")[0].find_element(By.CSS_SELECTOR, "th a")
        person = link.text
        b.submit(link)
        check("出勤簿" in b.h1() and person in b.text("main dl"), f"the book of {person} did not open: {b.h1()}")
        b.screenshot("d-2-book.png")
        b.audit("book (HR)")
        month = re.search(r"month=(\d{4}-\d{2})", b.css("a[href*='/csv'][href*='utf8']").get_attribute("href")).group(1)
        header = ["職員番号", "氏名", "日付", "和暦", "区分", "始業", "終業", "出勤", "退勤", "休憩(分)", "実働(分)", "所定内(分)",
                  "所定外(分)", "遅刻(分)", "早退(分)", "場所", "記録", "要確認"]
        for enc, codec, ctype in [("utf8", "utf-8", "utf-8"), ("sjis", "cp932", "shift_jis")]:
            href = b.css(f"a[href*='/csv'][href*='encoding={enc}']").get_attribute("href")
            st, hd, raw = b.fetch(href)
            check(st == 200, f"CSV {enc}: HTTP {st} {raw[:200]!r}")
            ct = {k.lower(): v for k, v in hd.items()}.get("content-type", "")
            check(ctype in ct.lower(), f"CSV {enc}: Content-Type {ct}")
            if enc == "sjis":
                try:
                    raw.decode("utf-8")
                    check(False, "the Shift_JIS CSV is valid UTF-8, so it is not Shift_JIS")
                except UnicodeDecodeError:
                    pass
            text = raw.decode(codec)
            if text.startswith("\ufeff"):
                text = text[1:]
                self.notes.append(f"CSV {enc} starts with a BOM")
            with open(os.path.join(self.work, f"d-book-{enc}.csv"), "wb") as f:
                f.write(raw)
            rows_csv = list(csv.reader(io.StringIO(text)))
            check(rows_csv[0] == header, f"CSV {enc}: header row {rows_csv[0]}")
            first = rows_csv[1]
            check(first[2] == f"{month}-01", f"CSV {enc}: first date {first[2]}, expected {month}-01")
            check(re.match(r"令和\d+年\d+月1日", first[3]), f"CSV {enc}: 和暦 {first[3]!r}")
            check(person.replace(" ", "") in first[1].replace(" ", "").replace("\u3000", ""), f"CSV {enc}: name {first[1]} is not {person}")
            check(rows_csv[-1][2] == "月計", f"CSV {enc}: last row is not the month total: {rows_csv[-1]}")
        # and the browser's own download of the UTF-8 file
        before = set(os.listdir(dl))
        b.css("a[href*='/csv'][href*='encoding=utf8']").click()
        def downloaded(_):
            new = [f for f in set(os.listdir(dl)) - before if f.endswith(".csv")]
            return new[0] if new else False
        fname = b.wait(downloaded, "the browser to save the CSV", timeout=30)
        check(re.fullmatch(r"attendance-\S+-\d{4}-\d{2}\.csv", fname), f"downloaded file name {fname}")
        # print view
        b.submit(b.css("a[href*='/print']"))
        check(b.path().endswith("/print"), f"not on the print view: {b.d.current_url}")
        check(not b.has("nav.noprint") and "出力日時" in b.text(), "the print view still has the month/export links or no print date")
        b.screenshot("d-3-print-view.png")
        b.audit("book print view")
        b.d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        check(not b.css("header.site").is_displayed(), "the site header is printed")
        b.screenshot("d-4-print-media.png")
        b.d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        # English on the desktop
        b.get("/books?lang=en")
        check("Attendance books" in b.h1(), f"the English list: {b.h1()}")
        b.screenshot("en-desktop-books.png")
        b.set_lang("ja")
        # the HR dashboard (issue 5): the fiscal year at a glance, drawn and tabled; which departments have the most overtime,
        # who is close to a limit, and each number leading to the people behind it
        b.get("/dashboard")
        check("人事ダッシュボード" in b.h1(), f"the dashboard did not open: {b.h1()}")
        main = b.text("main")
        for heading in ("まとめ", "超過勤務の分布", "月ごとの推移", "所属別（超過勤務の多い順）", "超過勤務の多い職員（上位20人）"):
            check(heading in main, f"the dashboard lacks {heading}: {main[:300]}")
        charts = b.all("main svg.chart[role=img]")
        check(len(charts) >= 4, f"{len(charts)} charts drawn")
        for svg in charts:
            check(svg.find_elements(By.TAG_NAME, "title") and svg.find_elements(By.TAG_NAME, "desc"), "a chart without its title and description")
        check(len(b.all("main table caption")) >= 4, "the charts' data tables")
        b.audit("dashboard")
        b.screenshot("d-5-dashboard.png")
        # the department with the most overtime: its people, most first
        first = b.css("main table tbody tr th a[href*='/dashboard/people']")
        dept = first.text
        b.submit(first)
        check(b.path() == "/dashboard/people" and dept in b.h1(), f"the drill-down did not open: {b.h1()}")
        check(b.all("main table tbody tr"), "nobody listed behind the department's figure")
        b.audit("dashboard people")
        b.screenshot("d-6-dashboard-people.png")
        # filtered by the board of education
        b.get("/dashboard")
        Select(b.d.find_element(By.ID, "employer")).select_by_value("educationBoard")
        b.submit(b.css("form[action='/dashboard'] button[type=submit]"))
        check("employer=educationBoard" in b.d.current_url, f"the filter is not in the URL: {b.d.current_url}")
        people = int(re.search(r"対象の職員：(\d+)人", b.text("main")).group(1))
        check(0 < people < total_all, f"the board of education's staff: {people} of {total_all}")
        b.audit("dashboard (board of education)")
        b.get("/dashboard?lang=en")
        check("HR dashboard" in b.h1(), f"the English dashboard: {b.h1()}")
        b.set_lang("ja")
        # early warnings: who may be working too hard, each reason with its figure and points
        b.get("/dashboard")
        b.submit(b.css("main a[href^='/risk']"))
        check("早期警戒" in b.h1(), f"the early warnings did not open: {b.h1()}")
        check(b.has("main table caption"), "the scoring table")
        b.audit("risk")
        b.screenshot("d-7-risk.png")
        b.get("/rankings")
        check(b.has("main table caption") and "あなたの状況" in b.text("main"), f"the rankings: {b.text('main')[:300]}")
        b.audit("rankings")
        # what the municipality should publish this year (女性活躍推進法・次世代法): from the menu, every 特定事業主 with a
        # column per employment type; then one body by calendar year, and the CSV
        b.submit(b.css("nav a[href='/indicators']"))
        check("公表指標" in b.h1(), f"the indicators did not open: {b.h1()}")
        main = b.text("main")
        for text in ("団体全体", "市長部局", "教育委員会", "男性職員の育児休業取得率", "管理的地位（課長級以上）にある職員に占める女性の割合",
                     "1人1か月あたりの超過勤務時間", "年次休暇の取得率", "指標の定義"):
            check(text in main, f"the indicators lack {text}")
        check(len(b.all("main table.indicators caption")) >= 3, "a table per body")
        b.audit("indicators")
        b.screenshot("d-8-indicators.png")
        Select(b.d.find_element(By.ID, "basis")).select_by_value("calendar")
        Select(b.d.find_element(By.ID, "employer")).select_by_value("educationBoard")
        b.submit(b.css("form[action='/indicators'] button[type=submit]"))
        check("basis=calendar" in b.d.current_url and "employer=educationBoard" in b.d.current_url, f"the choice is not in the URL: {b.d.current_url}")
        check(len(b.all("main table.indicators caption")) == 1 and "教育委員会" in b.text("main h2"), "the board of education's table alone")
        b.audit("indicators (board of education, calendar year)")
        status, headers, body = b.fetch(b.css("main a[href^='/indicators.csv']").get_attribute("href"))
        check(status == 200 and "text/csv" in {k.lower(): v for k, v in headers.items()}.get("content-type", ""), f"the indicators CSV: {status} {headers}")
        check("男性職員の育児休業取得率" in body.decode("utf-8"), "the CSV's rows")
        with open(os.path.join(self.work, "indicators.csv"), "wb") as f:
            f.write(body)
        # a person's sex and children's births, HR only, from the staff record
        b.get("/admin/staff")
        b.submit(b.css("main table tbody tr th a[href$='/edit']"))
        b.submit(b.css("main a[href$='/personal']"))
        check("性別と子の出生" in b.h1(), f"the personal record did not open: {b.h1()}")
        b.audit("personal record")
        # the sections' condition, only as averages of five people or more
        b.get("/condition/departments")
        check("所属のコンディション" in b.h1() and b.has("main table caption"), f"the sections' condition: {b.h1()}")
        b.audit("condition by section")

    # e ------------------------------------------------------------------------------------------
    def journey_e(self):
        """Desktop: wrong input on each form shows the message beside the field and changes nothing"""
        pw = self.demo["password"]
        number, _ = self.demo["staff"]
        s = self.browser("staff-desktop", DESKTOP)
        s.sign_in(number, pw)

        def my_requests():
            s.get("/corrections")
            return len(s.all("main table tbody tr"))

        # 1. a clock-out before that day's clock-in
        today = now_local().date()
        frm = (today - dt.timedelta(days=40)).isoformat()
        punches = s.api_json(f"/api/v1/punches?from={frm}&to={(today - dt.timedelta(days=1)).isoformat()}")["punches"]
        by_day = {}
        for p in punches:
            by_day.setdefault(p["date"], []).append(p)
        days = [d for d, ps in sorted(by_day.items(), reverse=True) if [p["kind"] for p in ps] == ["in", "out"]]
        check(days, "no ordinary day (one clock-in, one clock-out) in the last 40 days")
        day = days[0]
        clock_in, clock_out = by_day[day]
        in_local = dt.datetime.fromisoformat(clock_in["at"].replace("Z", "+00:00")).astimezone(ZONE)
        early = (in_local - dt.timedelta(minutes=45)).strftime("%H:%M")
        count = my_requests()

        def fill_out_before_in():
            s.get(f"/corrections/new")
            Select(s.d.find_element(By.ID, "action")).select_by_value("replace")
            Select(s.d.find_element(By.ID, "target")).select_by_value(clock_out["id"].upper())
            Select(s.d.find_element(By.ID, "kind")).select_by_value("out")
            s.set_value("date", day)
            s.set_value("time", early)
            s.fill("reason", "退勤時刻の誤り")
            s.submit(s.css("form[action='/corrections'] button[type=submit]"))

        fill_out_before_in()
        check(s.path() == "/corrections" and s.has("form[action='/corrections'] #time"),
              f"a clock-out before the clock-in was not refused on the form: {s.d.current_url} {s.text()[:300]}")
        msg = field_error(s, "time")
        s.screenshot("e-1-correction-out-before-in.png")
        check(s.d.find_element(By.ID, "reason").get_attribute("value") == "退勤時刻の誤り", "the reason typed was lost")
        s.audit("corrections/new (out before in)", replay_en=lambda: (s.set_lang("en"), fill_out_before_in()))
        check(my_requests() == count, "a refused correction was stored anyway")
        self.notes.append(f"correction, out before in: {msg}")

        # 2. an empty required field (the reason) on the correction form
        def empty_reason():
            s.get(f"/corrections/new?date={day}")
            Select(s.d.find_element(By.ID, "action")).select_by_value("add")
            Select(s.d.find_element(By.ID, "kind")).select_by_value("break_start")
            s.set_value("time", "12:00")
            s.fill("reason", "")
            s.submit(s.css("form[action='/corrections'] button[type=submit]"))

        empty_reason()
        msg = field_error(s, "reason")
        check("理由" in msg, f"the reason's message: {msg}")
        check(s.has("main p.alert[role=alert]"), "no summary alert above the form")
        s.screenshot("e-2-correction-empty-reason.png")
        s.audit("corrections/new (empty reason)", replay_en=lambda: (s.set_lang("en"), empty_reason()))
        check(my_requests() == count, "a correction without a reason was stored")

        # 3. a bad row in a CSV import
        hr_number, _ = self.demo["hr"]
        h = self.browser("hr-desktop", DESKTOP)
        h.sign_in(hr_number, pw)
        h.get("/admin/staff")
        staff_count = int(re.search(r"（(\d+)名）", h.h1()).group(1))
        h.get("/admin/departments")
        dept_code = h.all("main table tbody tr")[1].find_elements(By.CSS_SELECTOR, "td")[0].text.strip()
        st, hd, raw = h.fetch("/admin/import/template.csv")
        check(st == 200, f"template.csv: HTTP {st}")
        template = raw.decode("cp932")
        cols = next(csv.reader(io.StringIO(template)))
        check(cols[:3] == ["職員番号", "姓", "名"] and "任用開始日" in cols, f"template columns: {cols}")
        row = {"職員番号": "300001", "姓": "試験", "名": "太郎", "姓カナ": "シケン", "名カナ": "タロウ", "雇用形態": "常勤",
               "所属コード": dept_code, "職名": "主事", "勤務曜日": "月-金", "始業": "8:30", "終業": "17:15", "休憩": "60",
               "任用開始日": "2025-13-45", "役割": ""}
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(cols)
        w.writerow([row.get(c, "") for c in cols])
        bad_csv = os.path.join(self.work, "e-bad-import.csv")
        with open(bad_csv, "w", encoding="utf-8") as f:
            f.write(buf.getvalue())

        def upload_bad():
            h.get("/admin/import")
            h.d.find_element(By.ID, "file").send_keys(bad_csv)
            h.submit(h.css("form[action='/admin/import'] button[type=submit]"))

        h.get("/admin/import")
        h.audit("admin/import")
        upload_bad()
        check(h.path() == "/admin/import", f"after a bad import: {h.d.current_url}")
        alert = h.all("#file-error")
        check(alert and "取り込みませんでした" in alert[0].text, f"no 'nothing imported' message: {h.text()[:400]}")
        problems = h.text("main table tbody")
        check("任用開始日" in problems and "2025-13-45" in problems and re.search(r"^2\b", problems, re.M),
              f"the problem list does not name line 2, 任用開始日, 2025-13-45: {problems}")
        described = (h.d.find_element(By.ID, "file").get_attribute("aria-describedby") or "").split()
        check("file-error" in described, f"the file input's aria-describedby {described} does not name the message")
        h.screenshot("e-3-import-bad-date.png")
        h.audit("admin/import (bad date)", replay_en=lambda: (h.set_lang("en"), upload_bad()))
        h.get("/admin/staff?q=300001")
        check("300001" not in h.text("main table tbody"), "the bad CSV row was imported")
        h.audit("admin/staff (search)")
        h.get("/admin/staff")
        check(int(re.search(r"（(\d+)名）", h.h1()).group(1)) == staff_count, "the staff count changed after a refused import")

        # 4. an empty required field on /admin/staff/new
        def staff_missing_family_name():
            h.get("/admin/staff/new")
            for k, v in {"staff_number": "300002", "family_name": "", "given_name": "次郎", "family_kana": "シケン",
                         "given_kana": "ジロウ"}.items():
                h.fill(k, v)
            Select(h.d.find_element(By.ID, "department")).select_by_index(2)
            h.submit(h.css("form[action='/admin/staff'] button[type=submit]"))

        staff_missing_family_name()
        msg = field_error(h, "family_name")
        check("入力" in msg, f"the empty family name's message: {msg}")
        check(h.d.find_element(By.ID, "given_name").get_attribute("value") == "次郎", "the other fields were not kept")
        h.screenshot("e-4-staff-empty-family-name.png")
        h.audit("admin/staff/new (empty family name)", replay_en=lambda: (h.set_lang("en"), staff_missing_family_name()))
        h.get("/admin/staff?q=300002")
        check("300002" not in h.text("main table tbody"), "a person without a family name was added")


    # f ------------------------------------------------------------------------------------------
    def journey_f(self):
        """Desktop: 他律 limits and a 特例 order, leave approved, the holiday calendar, last month closed and the payroll CSV"""
        pw = self.demo["password"]
        hr_no, _ = self.demo["hr"]
        m_no, _ = self.demo["manager"]
        s_no, s_name = self.demo["staff"]
        today = now_local().date()
        next_month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)

        # the manager's order form names each of their staff with the department path: 部 課 係
        m = self.browser("manager-rules", DESKTOP)
        m.sign_in(m_no, pw)
        m.get("/overtime/new")
        m.audit("overtime/new")
        option = [o for o in m.all("datalist#staff-options option") if o.get_attribute("value") == s_no]
        check(option, f"the order form does not suggest {s_no}")
        path = re.search(r"（(.+)）", option[0].get_attribute("textContent")).group(1).split()
        check(len(path) >= 2, f"no 部・課 in the suggestion: {path}")
        ka = path[1]

        # HR designates that 課 as 他律 from this month
        h = self.browser("hr-rules", DESKTOP)
        h.sign_in(hr_no, pw)
        h.get("/admin/departments")
        h.audit("admin/departments")
        sel = Select(h.d.find_element(By.ID, "wl_department"))
        matches = [o for o in sel.options if o.text.strip() == ka]
        check(matches, f"no department option {ka}")
        sel.select_by_value(matches[0].get_attribute("value"))
        Select(h.d.find_element(By.ID, "wl_workload")).select_by_value("externally_driven")
        h.set_value("wl_from", f"{today:%Y-%m}")
        h.submit(h.css("form[action='/admin/departments/workload'] button[type=submit]"))
        check("他律部署に指定しました" in h.flash(), "no confirmation of the 他律 designation")
        row = [tr for tr in h.all("main table tbody tr") if tr.find_elements(By.CSS_SELECTOR, "th") and tr.find_element(By.CSS_SELECTOR, "th").text.strip() == ka]
        check(row and "他律部署" in row[0].text, f"the department list does not show {ka} as 他律部署")
        h.screenshot("f-1-department-externally-driven.png")

        # 16-hour orders on next month's weekend days: 96h is allowed with a warning, the seventh crosses 100h
        weekend = [next_month + dt.timedelta(days=i) for i in range(28) if (next_month + dt.timedelta(days=i)).weekday() >= 5]
        def order(day, special=None):
            m.get("/overtime/new")
            m.fill("staff_number", s_no)
            m.set_value("date", day.isoformat())
            m.fill("start", "6:00")
            m.fill("end", "22:00")
            m.fill("reason", "災害対応の準備")
            if special:
                box = m.d.find_element(By.ID, "special_case")
                if not box.is_selected():
                    box.click()
                m.fill("special_reason", special)
            m.submit(m.css("form[action='/overtime'] button[type=submit]"))
        for i, day in enumerate(weekend[:6]):
            order(day)
            check(m.path() == "/overtime", f"order {i + 1} ({day}) was refused: {m.text()[:400]}")
            check("命令しました" in m.flash(), f"no confirmation of order {i + 1}")
        check("注意" in m.flash(), f"96h of 100h gives no warning: {m.flash()}")
        order(weekend[6])
        check(m.has("section.warning"), f"the order past 100h shows no warning: {m.text()[:400]}")
        check("月100時間未満" in m.text("section.warning"), "the warning does not name the limit")
        msg = field_error(m, "special_case")
        check("特例" in msg, f"the special-case message: {msg}")
        m.screenshot("f-2-order-past-the-limit.png")
        m.audit("overtime/new (past a limit)", replay_en=lambda: (m.set_lang("en"), order(weekend[6])))
        order(weekend[6], special="大雨災害の避難所運営")
        check(m.path() == "/overtime" and "命令しました" in m.flash(), f"the 特例 order was refused: {m.text()[:400]}")
        m.get(f"/overtime?month={next_month:%Y-%m}")
        watch = m.text("main")
        check("上限超過" in watch and "特例業務" in watch, "the overtime page does not show the staff member over the limit with 特例業務")
        m.screenshot("f-3-overtime-over-limit.png")
        m.audit("overtime (manager)")

        # the staff member asks for a day of annual leave; the manager approves; the book marks it
        st = self.browser("staff-leave", DESKTOP)
        st.sign_in(s_no, pw)
        st.get(f"/overtime?month={next_month:%Y-%m}")
        check("上限超過" in st.text("main"), "the staff member does not see their standing")
        st.audit("overtime (staff)")
        day = today + dt.timedelta(days=7)
        requested = None
        for _ in range(10):
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            st.get("/leave/new")
            Select(st.d.find_element(By.ID, "type")).select_by_value("annual")
            Select(st.d.find_element(By.ID, "unit")).select_by_value("day")
            st.set_value("from", day.isoformat())
            st.set_value("to", day.isoformat())
            st.fill("reason", "私用のため")
            st.submit(st.css("form[action='/leave'] button[type=submit]"))
            if st.path() == "/leave":
                requested = day
                break
            day += dt.timedelta(days=1)   # a 休日 or a day already asked for: the next one
        check(requested, f"no day of leave could be requested: {st.text()[:400]}")
        check("申請しました" in st.flash(), "no confirmation of the leave request")
        st.audit("leave")
        st.get("/leave/new")
        st.audit("leave/new")
        m.get("/notifications")
        check(f"{s_name}さんから休暇の申請があります" in m.text("main"), f"the manager was not told of the request: {m.text('main')[:300]}")
        m.audit("notifications", en=False)
        m.get("/approvals")
        rows = [tr for tr in m.all("main table tbody tr") if f"（{s_no}）" in tr.text]
        check(rows, f"the manager's approvals do not show {s_no}: {m.text()[:400]}")
        m.audit("approvals")
        rows = [tr for tr in m.all("main table tbody tr") if f"（{s_no}）" in tr.text]
        m.submit(rows[0].find_element(By.CSS_SELECTOR, "button[value=approve]"))
        check("承認しました" in m.flash(), "no confirmation of the approval")
        st.get(f"{my_book_path(st)}?month={requested:%Y-%m}")
        tr = book_rows(st)[requested.day]
        check("年休" in tr.text, f"the book does not mark {requested} as 年休: {tr.text}")
        st.get(f"/leave/book/{my_book_path(st).rsplit('/', 1)[1]}")
        check("承認済" in st.text("main"), "the annual leave record does not list the approved day")
        st.screenshot("f-4-leave-record.png")
        st.audit("leave/book")

        # HR: the calendar, the routes, then last month's close and the payroll CSV
        h.get(f"/calendar?year={today.year}")
        check("元日" in h.text("main") and "年末年始" in h.text("main"), "the calendar lacks 元日 or 年末年始")
        h.screenshot("f-5-calendar.png")
        h.audit("calendar")
        h.get("/admin/routes")
        h.audit("admin/routes")
        # the municipality's own work rules: a wrong value is refused beside its field, the right one is saved
        h.get("/admin/rules")
        h.audit("admin/rules")
        h.fill("late_grace", "90")
        h.fill("year_end_start", "１２／２９")   # full-width, as a Japanese input method types it: accepted
        h.submit(h.css("form[action='/admin/rules'] button[type=submit]"))
        check("0〜60分" in field_error(h, "late_grace"), "no message beside the late-grace field")
        check(not h.has("#year_end_start-error"), "the full-width 12/29 was refused")
        h.screenshot("f-5b-rules-error.png")
        h.audit("admin/rules (error)")
        h.fill("late_grace", "0")
        h.submit(h.css("form[action='/admin/rules'] button[type=submit]"))
        check("勤務条件を保存しました" in h.flash(), f"the rules were not saved: {h.text()[:300]}")
        h.get("/admin/leave-types")
        h.audit("admin/leave-types")
        h.fill("summer-yearly", "0")
        h.submit(h.css("form[action='/admin/leave-types'] button[type=submit]"))
        check("1〜366日" in field_error(h, "summer-yearly"), "no message beside 夏季休暇's limit")
        h.screenshot("f-5c-leave-types-error.png")
        h.audit("admin/leave-types (error)")
        h.fill("summer-yearly", "3")
        h.submit(h.css("form[action='/admin/leave-types'] button[type=submit]"))
        check("休暇の種類を保存しました" in h.flash(), f"the leave types were not saved: {h.text()[:300]}")
        # 週休日の振替, months ahead (clear of the orders above): a work day is refused as the day to be worked, beside its
        # field; a Saturday swapped with the Wednesday after it is saved (the next Saturday is tried if one is a 休日)
        far = (next_month + dt.timedelta(days=62)).replace(day=1)
        saturdays = [far + dt.timedelta(days=i) for i in range(28) if (far + dt.timedelta(days=i)).weekday() == 5]
        h.get("/swaps")
        h.audit("swaps")
        h.fill("staff_number", s_no)
        h.set_value("work_on", (saturdays[0] + dt.timedelta(days=2)).isoformat())
        h.set_value("rest_on", (saturdays[0] + dt.timedelta(days=4)).isoformat())
        h.submit(h.css("form[action='/swaps'] button[type=submit]"))
        check("勤務日です" in field_error(h, "work_on"), "no message beside the day to be worked")
        h.screenshot("f-5d-swap-error.png")
        h.audit("swaps (error)")
        for sat in saturdays:
            h.get("/swaps")   # the audit above left the English page
            h.fill("staff_number", s_no)
            h.set_value("work_on", sat.isoformat())
            h.set_value("rest_on", (sat + dt.timedelta(days=4)).isoformat())
            h.submit(h.css("form[action='/swaps'] button[type=submit]"))
            if h.has(".flash"):
                break
        check(h.has(".flash") and "振り替えました" in h.flash(), f"no swap was saved: {h.text('main')[:400]}")
        check("有効" in h.text("main table"), "the swap list does not show the swap")
        h.screenshot("f-5e-swapped.png")
        # 代休日: an ordinary work day is refused as the 休日 worked, beside its field; then the next fixed-date 休日 on a
        # weekday (年末年始 or a 祝日 that never moves) is worked against a Wednesday or Thursday after it
        h.get("/swaps?kind=compensatory")
        h.audit("swaps (days off)")
        def fixed_holiday(d):
            return (d.month, d.day) in {(1, 1), (1, 2), (1, 3), (2, 11), (2, 23), (4, 29), (5, 3), (5, 4), (5, 5), (11, 3), (11, 23), (12, 29), (12, 30), (12, 31)}
        holiday = next(today + dt.timedelta(days=i) for i in range(1, 400)
                       if fixed_holiday(today + dt.timedelta(days=i)) and (today + dt.timedelta(days=i)).weekday() < 5)
        day_off = next(holiday + dt.timedelta(days=i) for i in range(1, 30)
                       if (holiday + dt.timedelta(days=i)).weekday() in (2, 3) and not fixed_holiday(holiday + dt.timedelta(days=i))
                       and (holiday + dt.timedelta(days=i)).month * 100 + (holiday + dt.timedelta(days=i)).day not in (104, 105))
        h.fill("staff_number", s_no)
        h.set_value("work_on", day_off.isoformat())
        h.set_value("rest_on", (day_off + dt.timedelta(days=1)).isoformat())
        h.submit(h.css("form[action='/swaps'] button[type=submit]"))
        check("休日（祝日・年末年始など）の勤務に指定します" in field_error(h, "work_on"), "no message beside the holiday to be worked")
        h.audit("swaps (days off, error)")
        h.get("/swaps?kind=compensatory")
        h.fill("staff_number", s_no)
        h.set_value("work_on", holiday.isoformat())
        h.set_value("rest_on", day_off.isoformat())
        h.submit(h.css("form[action='/swaps'] button[type=submit]"))
        check(h.has(".flash") and "代休日として指定しました" in h.flash(), f"no day off was named: {h.text('main')[:400]}")
        h.screenshot("f-5f-day-off.png")
        # 勤務割 of HR's own department next month: 13 days in a row for its first person are refused with the rule named;
        # an 早出 on the first weekday is saved
        h.get(f"/roster?month={next_month:%Y-%m}")
        h.audit("roster")
        number = h.css("table.roster tbody tr select").get_attribute("name").split("_")[1]
        for day in range(1, 14):
            h.set_value(f"c_{number}_{day}", "D")
        h.submit(h.css("form[action='/roster'][method='post'] button[type=submit]"))
        check("日連続の勤務になります" in h.text("main"), f"13 days in a row were not refused: {h.text('main')[:300]}")
        h.screenshot("f-5g-roster-error.png")
        h.audit("roster (error)")
        h.get(f"/roster?month={next_month:%Y-%m}")
        weekday = next(next_month + dt.timedelta(days=i) for i in range(7) if (next_month + dt.timedelta(days=i)).weekday() < 5
                       and not fixed_holiday(next_month + dt.timedelta(days=i)))
        h.set_value(f"c_{number}_{weekday.day}", "E")
        h.submit(h.css("form[action='/roster'][method='post'] button[type=submit]"))
        check(h.has(".flash") and "勤務割" in h.flash(), f"the roster was not saved: {h.text('main')[:300]}")
        # 超勤代休時間: the manager sees the colleague who worked past 60 hours last month, is refused today as the day, offers
        # 4 hours from the start of a work day next week; the colleague accepts on a phone and the day is on their book
        m.get(f"/overtime/time-off?month={last_month:%Y-%m}")
        m.audit("overtime time-off")
        options = m.all("datalist#timeoff-staff option")
        check(options, f"nobody over 60 hours last month on the time-off page: {m.text('main')[:400]}")
        colleague = options[0].get_attribute("value")
        m.fill("staff_number", colleague)
        m.set_value("date", today.isoformat())
        m.set_value("part", "start")
        m.submit(m.css("form[action='/overtime/time-off'] button[type=submit]"))
        check("明日以降の日を指定してください" in field_error(m, "date"), "no message beside a time-off day of today")
        m.audit("overtime time-off (error)")
        off_day = next(today + dt.timedelta(days=i) for i in range(7, 30)
                       if (today + dt.timedelta(days=i)).weekday() < 5 and not fixed_holiday(today + dt.timedelta(days=i))
                       and (today + dt.timedelta(days=i)).month * 100 + (today + dt.timedelta(days=i)).day not in (104, 105))
        m.get(f"/overtime/time-off?month={last_month:%Y-%m}")
        m.fill("staff_number", colleague)
        m.set_value("date", off_day.isoformat())
        m.set_value("part", "start")
        m.submit(m.css("form[action='/overtime/time-off'] button[type=submit]"))
        check(m.has(".flash") and "提示しました" in m.flash(), f"the time off was not offered: {m.text('main')[:400]}")
        # the team page: who needs attention first, and why, with the month's overtime against the limit drawn beside the figures
        m.get("/team")
        m.audit("team")
        check("先に対応が必要な職員" in m.text("main") and m.has("table caption"), f"the team page: {m.text('main')[:300]}")
        m.screenshot("f-5h-team.png")
        # the colleague who worked long days all last month is on the early warning, with the reason and its points
        m.submit(m.css("main a[href^='/risk']"))
        check("早期警戒" in m.h1() and "か月続いています" in m.text("main"), f"the early warning: {m.text('main')[:400]}")
        m.audit("risk (manager)")
        c = self.browser("colleague-phone", PHONE)
        c.sign_in(colleague, pw)
        c.get("/overtime/time-off")
        c.audit("overtime time-off (offered)")
        c.submit(c.css("form[action$='/accept'] button[type=submit]"))
        check(c.has(".flash") and "承諾しました" in c.flash(), f"the offer was not accepted: {c.text('main')[:400]}")
        c.screenshot("f-5i-time-off-accepted.png")
        c.get("/punch")
        c.get(urllib.parse.urlparse(c.css("header a[href*='/books/']").get_attribute("href")).path + f"?month={off_day:%Y-%m}")
        check("超勤代休" in c.text("main"), "the accepted time off is not on the book")
        h.get(f"/close?month={last_month:%Y-%m}")
        h.audit("close (checks)")
        if "先に処理が必要なもの" in h.text("main"):
            self.notes.append("journey f: last month had pending requests; the close was not tried")
            return
        if h.has("#acknowledge"):
            h.css("#acknowledge").click()
        h.submit(h.css("form[action='/close'][method='post'] button[type=submit]"))
        check("締めました" in h.flash(), f"the month was not closed: {h.text()[:400]}")
        h.screenshot("f-6-closed.png")
        h.audit("close (closed)")
        status, headers, body = h.fetch(f"/close/payroll.csv?month={last_month:%Y-%m}&encoding=sjis")
        check(status == 200, f"payroll CSV: {status}")
        rows = list(csv.reader(io.StringIO(body.decode("cp932"))))
        check(rows[0][:3] == ["対象年月", "職員番号", "氏名"], f"payroll header: {rows[0][:5]}")
        mine = [r for r in rows if len(r) > 6 and r[1] == s_no]
        check(mine and mine[0][6] == "給料", f"the staff member's payroll row: {mine[:1]}")
        check(any(r[6] == "報酬" for r in rows[1:] if len(r) > 6), "no part-time 報酬 row in the payroll CSV")

    # g ------------------------------------------------------------------------------------------
    def journey_g(self):
        """Phone: the DX office builds an app, a record moves through its statuses, a template out and back; desktop: /dx"""
        pw = self.demo["password"]
        dx_no, dx_name = self.demo["dx"]
        s_no, s_name = self.demo["staff"]
        code, name = "bihin_loans", "備品貸出"
        today = now_local().date()
        later = []   # problems that do not stop the journey: it goes on and fails at its end
        b = self.browser("dx-phone", PHONE)
        b.sign_in(dx_no, pw)

        # the apps: the demo city's shipped apps, and the builder's two buttons
        b.submit(b.css("header nav a[href='/apps']"))
        check(b.path() == "/apps" and "アプリ" in b.h1(), f"the apps page did not open: {b.d.current_url}")
        check("デジタル化相談案件" in b.text("main table"), f"the demo city's request app is not listed: {b.text('main')[:300]}")
        check(b.has("main a[href='/apps/build']") and b.has("main a[href='/apps/import']"), "the DX office sees no 'build' or 'import' button")
        b.audit("apps")

        # the builder, on a phone: four field rows, statuses and actions prefilled as an example
        b.submit(b.css("main a[href='/apps/build']"))
        check(b.path() == "/apps/build" and "アプリを作る" in b.h1(), f"the builder did not open: {b.h1()}")
        b.screenshot("g-1-builder.png")
        b.audit("apps/build")
        # the builder is worked from the keyboard (Space on a box, Enter on a summary or a button): while it is wider than
        # the phone (see `sideways_scroll`), the phone shows part of a wider page and a tap placed by the driver can land
        # on another control
        by_name = lambda n: b.d.find_element(By.NAME, n)
        def type_into(el, value):
            el.clear()
            el.send_keys(value)
        def tick(id_, on=True):
            box = b.d.find_element(By.ID, id_)
            if box.is_selected() != on:
                box.send_keys(Keys.SPACE)
            check(box.is_selected() == on, f"Space did not {'tick' if on else 'untick'} #{id_}")
        def press(button):
            old, label = b.css("html"), button.text
            button.send_keys(Keys.ENTER)
            b.wait_gone(old, f"the answer to 「{label}」")
        b.fill("app-name", name)
        b.fill("app-code", code)
        b.fill("app-description", "ノートPC・プロジェクターなど備品の貸出と返却の記録")
        fields = [("備品名", "item", "text", True), ("貸出日", "out_on", "date", False), ("返却予定日", "due_on", "date", False),
                  ("数量", "quantity", "number", False), ("借りる人", "borrower", "user", False), ("貸出票", "slip", "attachment", False)]
        def fill_field(i, label, fcode, ftype, required):
            b.fill(f"fields-{i}-label", label)
            b.fill(f"fields-{i}-code", fcode)
            Select(b.d.find_element(By.ID, f"fields-{i}-type")).select_by_value(ftype)
            tick(f"fields-{i}-required", required)
        for i, f in enumerate(fields[:4]):
            fill_field(i, *f)
        # 数量: its settings sit in a closed <details>; open it for a unit and a minimum
        def open_details(control_id):
            b.d.find_element(By.ID, control_id).find_element(By.XPATH, "ancestor::details/summary").send_keys(Keys.ENTER)
            check(b.d.find_element(By.ID, control_id).is_displayed(), f"#{control_id} is not shown once its settings are opened")
        later.append(self.sideways_scroll(b, "the builder"))
        open_details("fields-3-unit")
        b.fill("fields-3-unit", "台")
        b.fill("fields-3-minimum", "1")
        for i, st in enumerate(["申請", "貸出中", "返却済"]):
            type_into(by_name(f"statuses.{i}.name"), st)
        # five fields need a fifth row, and the actions' choices list the renamed statuses: more rows (saves nothing)
        press(b.css("form.builder button[name=more]"))
        check(b.path() == "/apps/build" and not b.has(".flash"), f"'more rows' did not come back to the builder: {b.d.current_url}")
        check(b.d.find_element(By.ID, "fields-0-label").get_attribute("value") == "備品名"
              and b.d.find_element(By.ID, "fields-3-unit").get_attribute("value") == "台"
              and by_name("statuses.1.name").get_attribute("value") == "貸出中", "the builder lost what was typed when adding rows")
        check(b.has("#fields-6-label"), "no more blank field rows after 'more rows'")
        fill_field(4, *fields[4])
        # 貸出票: an attachment field, with a file limit of 2 MB (in its settings)
        fill_field(5, *fields[5])
        open_details("fields-5-maxMB")
        b.fill("fields-5-maxMB", "2")
        for i, (act, frm, to) in enumerate([("貸し出す", "申請", "貸出中"), ("返却", "貸出中", "返却済")]):
            type_into(by_name(f"actions.{i}.name"), act)
            Select(b.d.find_element(By.ID, f"actions.{i}-from")).select_by_value(frm)
            Select(b.d.find_element(By.ID, f"actions.{i}-to")).select_by_value(to)
        Select(b.d.find_element(By.ID, "app-titleField")).select_by_value("item")
        views = [("貸出中", "list", "item, borrower, out_on, due_on, quantity", 'status != "返却済" order by due_on asc', ""),
                 ("すべて", "list", "item, borrower, quantity", "order by record_number desc", ""),
                 ("進み具合", "kanban", "borrower, due_on", "", ""),
                 ("貸出予定", "calendar", "item", "", "out_on"),
                 ("状況別の件数", "chart", "", "", "")]
        for i, (vname, kind, cols, query, date_field) in enumerate(views):
            b.fill(f"views-{i}-name", vname)
            Select(b.d.find_element(By.ID, f"views-{i}-kind")).select_by_value(kind)
            b.fill(f"views-{i}-columns", cols)
            b.fill(f"views-{i}-query", query)
            b.fill(f"views-{i}-dateField", date_field)
        open_details("views-4-chartGroup1")
        Select(b.d.find_element(By.ID, "views-4-chartAggregate")).select_by_value("count")
        b.fill("views-4-chartGroup1", "status")
        b.screenshot("g-2-builder-filled.png")
        press(b.css("form.builder p.actions button[type=submit]:not([name])"))
        check(b.path() == f"/apps/{code}", f"the app was not built: {b.d.current_url} {b.text('main')[:600]}")
        check(f"アプリ「{name}」を作りました" in b.flash(), f"no confirmation of the new app: {b.text('main')[:200]}")
        check(name in b.h1() and "該当するレコードはありません" in b.text("main"), f"the new app's empty list: {b.text('main')[:300]}")
        b.screenshot("g-3-app-built.png")
        b.audit("app list (empty)")
        # the app's settings: the same form, its fields by name and code
        b.submit(b.css(f"main a[href='/apps/{code}/settings']"))
        legends = [x.text for x in b.all("form.builder fieldset.builder-row > legend")]
        check(f"{name}" in b.h1() and "備品名（item）" in legends and "借りる人（borrower）" in legends and "貸出票（slip）" in legends,
              f"the settings do not show the fields: {legends[:7]}")
        check(b.css("#fields-5-maxMB").get_attribute("value") == "2", f"貸出票's limit: {b.css('#fields-5-maxMB').get_attribute('value')!r} MB")
        b.audit("apps settings")

        # a record on the phone: first with the required 備品名 left empty — refused beside the field, nothing saved
        def app_count():
            b.get("/apps")
            row = [tr for tr in b.all("main table tbody tr") if tr.find_element(By.CSS_SELECTOR, "th").text.strip() == name]
            check(row, f"{name} is not on /apps")
            return int(row[0].find_element(By.CSS_SELECTOR, "td.num").text.replace(",", ""))
        b.get(f"/apps/{code}")
        b.submit(b.css("main a[href$='/records/new']"))
        check(b.path() == f"/apps/{code}/records/new" and b.has("#f-item") and b.has("#f-borrower"), f"the record form: {b.text('main')[:300]}")
        check(b.css("#f-out_on").get_attribute("type") == "date" and b.css("#f-quantity").get_attribute("inputmode") == "decimal",
              "貸出日 is not a date input or 数量 has no numeric keyboard")
        slip = b.css("#f-slip")
        check(slip.get_attribute("type") == "file" and ".pdf" in (slip.get_attribute("accept") or "")
              and b.css("form.record-form").get_attribute("enctype") == "multipart/form-data",
              f"貸出票 is not a file input taking PDFs in a multipart form: accept={slip.get_attribute('accept')!r}")
        check("2.0 MB" in b.text("#f-slip-hint"), f"貸出票's hint does not give its 2 MB limit: {b.text('#f-slip-hint')}")
        b.audit("app record form")
        out_on, due_on = today, today + dt.timedelta(days=7)

        def fill_record(item):
            b.fill("f-item", item)
            b.set_value("f-out_on", out_on.isoformat())
            b.set_value("f-due_on", due_on.isoformat())
            b.fill("f-quantity", "2")
            b.fill("f-borrower", s_no)

        def empty_item():
            b.get(f"/apps/{code}/records/new")
            fill_record("")
            b.submit(b.css("form.record-form button[type=submit]"))

        empty_item()
        msg = field_error(b, "f-item")
        check("備品名" in msg and "入力" in msg, f"the empty 備品名's message: {msg}")
        check(b.has("main p.alert[role=alert]"), "no summary alert above the record form")
        check(b.css("#f-quantity").get_attribute("value") == "2" and b.css("#f-borrower").get_attribute("value") == s_no,
              "the other fields were not kept after the refusal")
        later.append(self.sideways_scroll(b, "the record form with an error"))
        b.screenshot("g-4-record-empty-item.png")
        # (the refused form's address, /apps/…/records, answers only a POST: the language is switched on the form's own page)
        b.audit("app record form (empty 備品名)", replay_en=lambda: (b.get(f"/apps/{code}/records/new?lang=en"), empty_item()))
        b.get(f"/apps/{code}?lang=ja")
        check(app_count() == 0, "a record without 備品名 was saved")

        # 貸出票 with a file that is not what its name says (a Windows program named .pdf): refused by its bytes, beside the
        # field, with the rest of the form valid; nothing saved
        files = tempfile.mkdtemp(prefix="yakuba-g-files.")
        bad_path, pdf_path = os.path.join(files, "slip.pdf"), os.path.join(files, "kashidashi.pdf")
        pdf = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
        with open(bad_path, "wb") as f:
            f.write(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode.\r\n")
        with open(pdf_path, "wb") as f:
            f.write(pdf)

        def post_status(form_css):
            """The HTTP status the form's submission gets (sent by fetch, as the form would send it; a redirect is 0)."""
            return b.d.execute_async_script("""var cb = arguments[arguments.length - 1], f = document.querySelector(arguments[0]);
                fetch(f.action, {method: 'POST', body: new FormData(f), credentials: 'same-origin', redirect: 'manual'})
                  .then(function (r) { cb(r.status); }).catch(function (e) { cb(String(e)); });""", form_css)

        def wrong_file(check_status=False):
            b.get(f"/apps/{code}/records/new")
            fill_record("ノートPC 3号機")
            b.d.find_element(By.ID, "f-slip").send_keys(bad_path)
            if check_status:
                status = post_status("form.record-form")
                check(status == 422, f"a record with an .exe named slip.pdf answered {status}, expected 422")
            b.submit(b.css("form.record-form button[type=submit]"))

        wrong_file(check_status=True)
        check(b.path() == f"/apps/{code}/records", f"a wrong file did not come back to the form: {b.d.current_url}")
        try:
            msg = field_error(b, "f-slip")
        except JourneyFailure as e:   # (tied to the input, but not beside it: noted, and the journey goes on)
            later.append(f"the wrong file's message on the record form: {e}")
            msg = b.text("#f-slip-error") if b.has("#f-slip-error") else ""
        check("添付できない種類" in msg and "slip.pdf" in msg and "PDF" in msg, f"the wrong file's message: {msg}")
        check(b.css("#f-item").get_attribute("value") == "ノートPC 3号機" and b.css("#f-borrower").get_attribute("value") == s_no,
              "the other fields were not kept after the wrong file")
        others = [(e.get_attribute("id"), e.text) for e in b.all("main .error") if e.get_attribute("id") != "f-slip-error"]
        if others:
            later.append(f"a wrong file on an otherwise valid record form also marks other fields wrong: {others}")
        b.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", b.css("#f-slip"))
        b.screenshot("g-4b-record-wrong-file.png")
        b.audit("app record form (wrong file type)", replay_en=lambda: (b.get(f"/apps/{code}/records/new?lang=en"), wrong_file()))
        b.get(f"/apps/{code}?lang=ja")
        check(app_count() == 0, "a record with a refused file was saved")

        b.get(f"/apps/{code}/records/new")
        fill_record("ノートPC 3号機")
        b.d.find_element(By.ID, "f-slip").send_keys(pdf_path)
        b.submit(b.css("form.record-form button[type=submit]"))
        check(re.fullmatch(rf"/apps/{code}/records/[^/]+", b.path()), f"the record was not saved: {b.d.current_url} {b.text('main')[:400]}")
        check(re.search(r"#1 を保存しました", b.flash()), f"no confirmation of the saved record: {b.flash()}")
        record = b.path()
        check("ノートPC 3号機" in b.h1() and "申請" in b.text("main .record-status"), f"the new record: {b.h1()} / {b.text('main')[:300]}")
        details = b.text("main dl.record")
        check(f"{s_name}（{s_no}）" in details and "2 台" in details, f"the record does not show the borrower and 2 台: {details}")
        # the PDF: a link on the record, downloaded (never shown inline) with the bytes that were sent
        links = b.all(f"main dl.record a[href^='/apps/{code}/files/']")
        check(len(links) == 1 and links[0].text == "kashidashi.pdf", f"the record does not list the PDF: {details} {[a.text for a in links]}")
        file_url = urllib.parse.urlsplit(links[0].get_attribute("href")).path
        check(re.fullmatch(rf"/apps/{code}/files/[0-9a-f-]{{36}}", file_url), f"the file's address: {file_url}")
        check("PDF" in details, f"the record does not say the file is a PDF: {details}")
        status, headers, body = b.fetch(file_url)
        hd = {k.lower(): v for k, v in headers.items()}
        check(status == 200 and body == pdf, f"{file_url}: HTTP {status}, {len(body)} bytes {body[:40]!r} (sent {len(pdf)})")
        check(hd.get("content-disposition", "").startswith("attachment"), f"{file_url} is not a download: Content-Disposition {hd.get('content-disposition')!r}")
        check(hd.get("x-content-type-options") == "nosniff", f"{file_url}: X-Content-Type-Options {hd.get('x-content-type-options')!r}")
        check(hd.get("content-type", "").startswith("application/pdf"), f"{file_url}: Content-Type {hd.get('content-type')!r}")
        later.append(self.sideways_scroll(b, "the record page"))
        b.screenshot("g-5-record-new.png")
        b.audit("app record")

        # through its statuses with the action buttons: 貸し出す, a change of the due date, 返却
        def act(label, now):
            buttons = [x for x in b.all("main .record-status button[name=action]") if x.get_attribute("value") == label]
            check(buttons, f"no 「{label}」 button: {[x.text for x in b.all('main .record-status button')]}")
            b.submit(buttons[0])
            check(b.path() == record, f"「{label}」 did not come back to the record: {b.d.current_url} {b.text('main')[:300]}")
            check(f"「{label}」を実行しました（いま: {now}）" in b.flash(), f"no confirmation of 「{label}」: {b.text('main')[:200]}")
            check(now in b.text("main .record-status .status"), f"the status after 「{label}」: {b.text('main .record-status')}")
        act("貸し出す", "貸出中")
        b.submit(b.css(f"main a[href='{record}/edit']"))
        check(b.css("#f-item").get_attribute("value") == "ノートPC 3号機", "the edit form does not show the record's values")
        new_due = due_on + dt.timedelta(days=7)
        b.set_value("f-due_on", new_due.isoformat())
        b.submit(b.css("form.record-form button[type=submit]"))
        check(b.path() == record and "変更を保存しました" in b.flash(), f"the new due date was not saved: {b.text('main')[:300]}")
        check([urllib.parse.urlsplit(a.get_attribute("href")).path for a in b.all(f"main dl.record a[href^='/apps/{code}/files/']")] == [file_url],
              "the PDF is not on the record after changing the due date (kept by its ticked box)")
        b.get(f"/apps/{code}?view=" + urllib.parse.quote("進み具合"))
        column = [sec for sec in b.all("main .kanban section.kanban-column") if sec.find_element(By.TAG_NAME, "h2").text.startswith("貸出中")]
        check(column and "ノートPC 3号機" in column[0].text, f"the kanban's 貸出中 column does not hold the record: {b.text('main .kanban')[:300]}")
        later.append(self.sideways_scroll(b, "the kanban"))
        b.screenshot("g-6-kanban.png")
        b.audit("app kanban")
        b.get(record)
        act("返却", "返却済")
        check(not b.all("main .record-status button[name=action]") and "実行できるアクションはありません" in b.text("main .record-status"),
              "a returned record still offers actions")
        history = b.text("main ol.history")
        for line in ["作成しました", "備品名: ノートPC 3号機", "「貸し出す」: 申請 → 貸出中", "変更しました", "「返却」: 貸出中 → 返却済"]:
            check(line in history, f"the history lacks {line!r}: {history}")
        changed = [li.text for li in b.all("main ol.history > li") if "変更しました" in li.text]
        check(changed and re.search(r"返却予定日: 令和.+ → 令和", changed[0]), f"the history does not show the due date's change: {changed}")
        check(f"{dx_name}（{dx_no}）" in history, f"the history does not name who acted: {history[:300]}")
        items = [li.text for li in b.all("main ol.history > li")]
        check(len(items) == 4 and "返却" in items[0] and "作成しました" in items[-1], f"the history, newest first: {items}")
        b.d.execute_script("arguments[0].scrollIntoView()", b.css("#history-h"))
        b.screenshot("g-7-record-history.png")
        b.audit("app record (returned, with history)")

        # the views: the default list hides what came back, すべて shows it, the calendar has it on the day lent, the chart counts it
        b.get(f"/apps/{code}")
        check("ノートPC 3号機" not in b.text("main"), "the 貸出中 view lists a returned record")
        b.get(f"/apps/{code}?view=" + urllib.parse.quote("すべて"))
        check("ノートPC 3号機" in b.text("main table tbody"), f"the すべて view does not list the record: {b.text('main')[:300]}")
        b.audit("app list")
        b.get(f"/apps/{code}?view=" + urllib.parse.quote("貸出予定") + f"&month={out_on:%Y-%m}")
        check("ノートPC 3号機" in b.text("main table.calendar"), f"the calendar does not show the record on {out_on}: {b.text('main')[:300]}")
        b.audit("app calendar")
        b.get(f"/apps/{code}?view=" + urllib.parse.quote("状況別の件数"))
        check(b.has("main figure.chart svg[role=img]") and "返却済" in b.text("main table"), f"the chart view: {b.text('main')[:300]}")
        b.audit("app chart")

        # the app as a template file: JSON of the definition, no records
        b.get(f"/apps/{code}")
        link = b.css(f"main a[href='/apps/{code}/template.json']")
        check(link.get_attribute("download"), "the export link does not download")
        status, headers, body = b.fetch(link.get_attribute("href"))
        check(status == 200, f"template.json: HTTP {status} {body[:200]!r}")
        hd = {k.lower(): v for k, v in headers.items()}
        check("application/json" in hd.get("content-type", ""), f"template.json Content-Type: {hd.get('content-type')}")
        check("attachment" in hd.get("content-disposition", ""), f"template.json is not an attachment: {hd.get('content-disposition')}")
        template = json.loads(body)
        check(template.get("format") == "yakuba-app-template", f"the template's format: {template.get('format')!r}")
        apps = template.get("apps") or []
        check(len(apps) == 1 and apps[0].get("code") == code and apps[0].get("name") == name, f"the template's apps: {[(a.get('code'), a.get('name')) for a in apps]}")
        check([f.get("code") for f in apps[0].get("fields", [])] == [f[1] for f in fields], f"the template's fields: {apps[0].get('fields')}")
        slip_def = apps[0]["fields"][5]
        check(slip_def.get("type") == "attachment" and slip_def.get("maxBytes") == 2 * 1024 * 1024,
              f"the template's 貸出票 is not an attachment of up to 2 MB: {slip_def}")
        text = body.decode("utf-8")
        check("records" not in template and "ノートPC 3号機" not in text and s_no not in text and "kashidashi" not in text,
              "the template carries records or files")
        path = os.path.join(self.work, f"g-{code}.yakuba-app.json")
        with open(path, "wb") as f:
            f.write(body)

        # ...and back under another code and name
        copy_code, copy_name = "bihin_loans_branch", "備品貸出（支所）"
        b.get("/apps")
        b.submit(b.css("main a[href='/apps/import']"))
        check(b.path() == "/apps/import" and b.has("#file"), f"the import page: {b.text('main')[:300]}")
        b.audit("apps/import")

        def import_without_file():
            b.get("/apps/import")
            b.fill("code", copy_code)
            b.submit(b.css("form[action='/apps/import'] button[type=submit]"))
        import_without_file()
        check(b.path() == "/apps/import" and "テンプレートファイルを選んでください" in b.text("main [role=alert]"),
              f"an import without a file was not refused: {b.text('main')[:300]}")
        b.audit("apps/import (no file)", replay_en=lambda: (b.set_lang("en"), import_without_file()))
        b.get("/apps/import")
        b.d.find_element(By.ID, "file").send_keys(path)
        b.fill("code", copy_code)
        b.fill("name", copy_name)
        b.screenshot("g-8-import.png")
        b.submit(b.css("form[action='/apps/import'] button[type=submit]"))
        check(b.path() == f"/apps/{copy_code}", f"the template was not imported: {b.d.current_url} {b.text('main')[:400]}")
        check("テンプレートから1個のアプリを作りました" in b.flash(), f"no confirmation of the import: {b.text('main')[:200]}")
        check(copy_name in b.h1() and "該当するレコードはありません" in b.text("main"), f"the imported app: {b.h1()} {b.text('main')[:300]}")
        b.get("/apps")
        listed = {tr.find_element(By.CSS_SELECTOR, "th").text.strip(): tr.find_element(By.CSS_SELECTOR, "td.num").text for tr in b.all("main table tbody tr")}
        check(listed.get(name) == "1" and listed.get(copy_name) == "0", f"/apps does not list both apps with their records: {listed}")
        b.screenshot("g-9-apps-listed.png")
        b.audit("apps (two new)")

        # CSV: its maker exports the records (UTF-8) and imports more; a file with a column the app lacks imports nothing
        b.get(f"/apps/{code}")
        csv_link = [a for a in b.all(f"main p.actions a[href='/apps/{code}/csv']")]
        check(csv_link and "CSV の書き出し・読み込み" in csv_link[0].text, f"the list's toolbar has no CSV button: {b.text('main p.actions')}")
        b.submit(csv_link[0])
        check(b.path() == f"/apps/{code}/csv" and "CSV の書き出し・読み込み" in b.h1() and b.has("#file"), f"the CSV page: {b.h1()} {b.text('main')[:300]}")
        columns_line = [p.text for p in b.all("main p") if p.text.startswith("列:")]
        check(columns_line and "備品名" in columns_line[0] and "貸出票" not in columns_line[0] and "貸出票" in b.text("main p.hint"),
              f"the CSV page's columns (the attachment said to stay out of the CSV): {columns_line} / {b.text('main p.hint')}")
        later.append(self.sideways_scroll(b, "the CSV page"))
        b.screenshot("g-13-csv.png")
        b.audit("app CSV")
        status, headers, body = b.fetch(f"/apps/{code}/records.csv?view=" + urllib.parse.quote("すべて") + "&encoding=utf8")
        hd = {k.lower(): v for k, v in headers.items()}
        check(status == 200 and body.startswith(b"\xef\xbb\xbf"), f"records.csv (utf8): HTTP {status}, starts {body[:20]!r} (expected a BOM)")
        check("attachment" in hd.get("content-disposition", ""), f"records.csv is not a download: {hd.get('content-disposition')!r}")
        with open(os.path.join(self.work, f"g-{code}-records.csv"), "wb") as f:
            f.write(body)
        table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        check(table and table[0][:1] == ["レコード番号"] and "備品名" in table[0] and "借りる人" in table[0] and "貸出票" not in table[0],
              f"records.csv's header: {table[:1]}")
        col = {h: i for i, h in enumerate(table[0])}
        exported = [r for r in table[1:] if r and r[col["備品名"]] == "ノートPC 3号機"]
        check(len(table) == 2 and exported and exported[0][0] == "1" and exported[0][col["借りる人"]] == s_no
              and exported[0][col["返却予定日"]] == new_due.isoformat(), f"records.csv's rows: {table[1:]}")

        def import_csv(path, check_status=None):
            b.get(f"/apps/{code}/csv")
            b.d.find_element(By.ID, "file").send_keys(path)
            if check_status:   # (sent once more by fetch, for its status: only for a file that is refused)
                status = post_status(f"form[action='/apps/{code}/csv']")
                check(status == check_status, f"the CSV import of {os.path.basename(path)} answered {status}, expected {check_status}")
            b.submit(b.css(f"form[action='/apps/{code}/csv'] button[type=submit]"))
        wrong_csv = os.path.join(files, "bihin-wrong.csv")
        with open(wrong_csv, "w", encoding="utf-8-sig", newline="") as f:
            f.write("備品名,色\r\nプロジェクター 2号機,白\r\n")
        import_csv(wrong_csv, check_status=422)
        check(b.path() == f"/apps/{code}/csv" and "何も取り込みませんでした" in b.text("main p.alert[role=alert]"),
              f"the unknown column was not refused: {b.d.current_url} {b.text('main')[:400]}")
        problems = b.text("main table")
        check("列「色」はこのアプリにありません" in problems, f"the problems table: {problems}")
        check(b.css("#file").get_attribute("aria-describedby") == "file-error", "the file input is not described by the refusal")
        if b.css("#file").get_attribute("aria-invalid") != "true":   # (as on /apps/import when a template is refused)
            later.append("the CSV page's file input lacks aria-invalid=true when the file was refused for its contents")
        later.append(self.sideways_scroll(b, "the CSV page with its problems"))
        b.d.execute_script("arguments[0].scrollIntoView()", b.css("main p.alert[role=alert]"))
        b.screenshot("g-14-csv-wrong-column.png")
        b.audit("app CSV (unknown column)", replay_en=lambda: (b.set_lang("en"), import_csv(wrong_csv)))
        check(app_count() == 1, "a refused CSV added records")

        good_csv = os.path.join(files, "bihin-add.csv")
        added = ["プロジェクター 2号機", "書画カメラ"]
        with open(good_csv, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow(["備品名", "貸出日", "返却予定日", "数量", "借りる人"])
            for item in added:
                w.writerow([item, out_on.isoformat(), due_on.isoformat(), "1", s_no])
        import_csv(good_csv)
        check(b.path() == f"/apps/{code}", f"the CSV import did not go back to the list: {b.d.current_url} {b.text('main')[:600]}")
        check("CSV を読み込みました（追加 2件、変更 0件）" in b.flash(), f"no confirmation of the CSV import: {b.text('main')[:300]}")
        listed_items = b.text("main table tbody")
        check(all(item in listed_items for item in added), f"the imported records are not listed: {listed_items}")
        b.screenshot("g-15-csv-imported.png")
        n = app_count()
        check(n == 3, f"the CSV did not add exactly two records: the app has {n}")

        # an API token for this app alone, read only: it lists the app's records and reaches nothing else
        b.get("/tokens")
        box = b.all(f"form[action='/tokens'] input[type=checkbox][name=app][value='{code}']")
        check(box, f"/tokens offers no checkbox for {code}: {b.text('main form')[:400]}")
        b.audit("tokens (apps to choose)")

        def app_token(purpose):
            b.fill("name", purpose)
            tick_box = b.css(f"form[action='/tokens'] input[name=app][value='{code}']")
            if not tick_box.is_selected():
                tick_box.send_keys(Keys.SPACE)
            check(tick_box.is_selected() and not b.css("form[action='/tokens'] input[name=write]").is_selected(), "the app's box is not ticked, or write is")
            b.submit(b.css("form[action='/tokens'] button[type=submit]"))
        app_token("備品貸出の集計（読み取り）")
        token = b.text("#new-token").strip() if b.has("#new-token") else ""
        check(len(token) >= 20, f"no app token shown: {token!r} {b.text('main')[:300]}")
        mine = [tr.text for tr in b.all("main table tbody tr") if "備品貸出の集計" in tr.text]
        check(mine and f"{name}（読み取りのみ）" in mine[0], f"the token's scope in the list: {mine}")
        later.append(self.sideways_scroll(b, "the tokens page with a new token"))
        b.screenshot("g-16-app-token.png")
        b.audit("tokens (app token created)", replay_en=lambda: (b.set_lang("en"), app_token("bihin loans (read only)")))
        got = b.api_json(f"/api/v1/apps/{code}/records?limit=100", token=token)
        items = sorted(r["data"].get("item") for r in got.get("records", []))
        check(items == sorted(["ノートPC 3号機"] + added), f"GET /api/v1/apps/{code}/records with the app token: {items}")
        st_, _, body = b._bearer("/api/v1/punches", token)
        check(st_ == 403, f"GET /api/v1/punches with a token for {code} alone answered {st_}: {body[:200]!r}")
        st_, _, body = b._bearer(f"/api/v1/apps/{copy_code}/records", token)
        check(st_ in (403, 404), f"GET /api/v1/apps/{copy_code}/records with a token for {code} alone answered {st_}: {body[:200]!r}")

        # the borrower, an ordinary member of staff: sees the app and the record, may not build apps
        st = self.browser("staff-phone", PHONE)
        st.sign_in(s_no, pw)
        st.get("/apps")
        check(name in st.text("main table") and not st.has("main a[href='/apps/build']"), f"the staff member's /apps: {st.text('main')[:300]}")
        st.get(record)
        check("ノートPC 3号機" in st.h1() and "返却済" in st.text("main .record-status"), f"the borrower does not see the record: {st.text('main')[:300]}")
        status, _, _ = st.fetch("/apps/build")
        check(status == 403, f"/apps/build answered {status} to a member of staff without the DX office role")

        # desktop: the demo city's request app, its chart and calendar views, and the DX dashboard
        d = self.browser("dx-desktop", DESKTOP)
        d.sign_in(dx_no, pw)
        d.get("/apps/dx_requests")
        check("デジタル化相談案件" in d.h1(), f"the request app did not open: {d.h1()}")
        shown = d.text("main p[role=status]")
        rows = d.all("main table tbody tr")
        check(rows and re.search(r"\d+件", shown), f"the request list shows no records: {shown} {d.text('main')[:300]}")
        d.screenshot("g-10-requests.png")
        d.audit("app list (requests)")
        tabs = {a.text: a.get_attribute("href") for a in d.all("main nav ul.tabs a")}
        chart = [h for t, h in tabs.items() if t.startswith("削減時間（見込み）部署別")]
        check(chart, f"no chart view tab: {list(tabs)}")
        d.get(chart[0])
        svg = d.all("main figure.chart svg[role=img]")
        check(svg and svg[0].find_elements(By.TAG_NAME, "title") and svg[0].find_elements(By.TAG_NAME, "desc"), "the chart view draws no SVG with its title")
        table = d.all("main figure.chart + div.table-wrap table")
        check(table and "（表）" in table[0].find_element(By.TAG_NAME, "caption").text and table[0].find_elements(By.CSS_SELECTOR, "tbody tr"),
              "no data table beside the chart")
        d.screenshot("g-11-requests-chart.png")
        d.audit("app chart (requests, by department)")
        calendar = [h for t, h in tabs.items() if t.startswith("本運用の予定")]
        check(calendar, f"no calendar view tab: {list(tabs)}")
        d.get(calendar[0])
        for _ in range(12):   # back to a month with a request going live
            if d.has("main table.calendar tbody tr"):
                break
            d.submit(d.css("main a[rel=prev]"))
        check(d.has("main table.calendar tbody tr"), "no month of the last year has a request going live")
        d.audit("app calendar (requests)")
        kanban = [h for t, h in tabs.items() if t.startswith("進み具合")]
        d.get(kanban[0])
        check(len(d.all("main .kanban-column")) >= 5, "the request kanban has too few columns")
        d.audit("app kanban (requests)")
        d.submit(d.css("header nav a[href='/dx']"))
        check("DXダッシュボード" in d.h1(), f"the DX dashboard did not open: {d.h1()}")
        main = d.text("main")
        for heading in ("削減できる職員の時間（年間）", "回避した開発費", "ステータス別の件数", "優先順位（未完了の上位10件）"):
            check(heading in main, f"the DX dashboard lacks {heading}")
        hours = d.text("#dx-hours-h + figure + div table tbody")
        check(re.search(r"見込み\s+[\d,]+時間", hours) and re.search(r"年間の目標\s+[\d,]+時間", hours), f"the hours saved: {hours}")
        ranking = d.all("section[aria-labelledby=dx-rank-h] table tbody tr")
        check(len(ranking) == 10, f"the ranking lists {len(ranking)} requests, expected the top 10")
        d.screenshot("g-12-dx.png")
        d.audit("dx")
        shutil.rmtree(files, ignore_errors=True)
        later = [p for p in later if p]
        check(not later, "; ".join(later))

    # k ------------------------------------------------------------------------------------------
    def face_unavailable(self, why):
        """Journey k cannot run here: skipped, or failed when FACE_REQUIRED=1 (as in CI, where scripts/face-golden ran)."""
        if os.environ.get("FACE_REQUIRED") == "1":
            raise JourneyFailure(f"{why} (FACE_REQUIRED=1)")
        raise JourneySkipped(f"{why} (FACE_REQUIRED=1 makes this a failure)")

    def kiosk_browser(self, who, pair_link, kiosk_name, stream=None):
        """A tablet opening the kiosk's pairing link; with `stream`, its camera plays that Y4M file (looping)."""
        extra = () if stream is None else ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                                           f"--use-file-for-fake-video-capture={stream}")
        k = self.browser(who, TABLET, extra_args=extra)
        k.get(pair_link)
        k.wait(lambda d: kiosk_name in d.find_element(By.ID, "kiosk-name").text, f"the kiosk page to name itself {kiosk_name!r} once paired")
        stored = k.d.execute_script("return localStorage.getItem('yakuba-kiosk-token')")
        check(stored and pair_link.endswith("#token=" + stored), f"{who}: the pairing link did not leave its token in localStorage ({stored!r})")
        check("#" not in k.d.current_url, f"{who}: the token stays in the address bar: {k.d.current_url}")
        check(k.css("#face").is_displayed() and not k.css("#pair").is_displayed(), f"{who}: the paired kiosk does not offer 顔で打刻")
        return k

    def done_with(self, b):
        b.quit()
        self.browsers.remove(b)

    def face_attempt(self, k, timeout):
        """Presses 顔で打刻 and waits until the kiosk either knows the person (#choose) or has refused (#result).

        Returns (state, seconds, log): state is "choose" or "result"; the log has the instructions shown in turn and the
        answers to the frames posted (by HTTP status)."""
        k.d.execute_script("""
            var log = window.__kiosk = {said: [], frames: {}, sent: 0};
            var el = document.getElementById('instruction');
            new MutationObserver(function () {
              var t = el.textContent; if (log.said[log.said.length - 1] !== t) log.said.push(t);
            }).observe(el, {childList: true, characterData: true, subtree: true});
            var f0 = window.fetch;
            window.fetch = function (url) {
              var p = f0.apply(this, arguments);
              if (String(url).indexOf('/frames') >= 0) {
                log.sent += 1;
                p.then(function (r) { log.frames[r.status] = (log.frames[r.status] || 0) + 1; }, function () {});
              }
              return p;
            };""")
        t0 = time.time()
        k.css("#start-face").click()
        shown = lambda d: d.find_element(By.ID, "choose").is_displayed() or d.find_element(By.ID, "result").is_displayed()
        try:
            k.wait(shown, f"the kiosk to recognise or refuse within {timeout} s", timeout=timeout)
        except JourneyFailure as e:
            log = k.d.execute_script("return window.__kiosk")
            raise JourneyFailure(f"{e}; it says {k.text('#instruction')!r}; instructions shown: {log['said']}; "
                                 f"{log['sent']} frames posted, answers by status {log['frames']}")
        secs = time.time() - t0
        log = k.d.execute_script("return window.__kiosk")
        return ("choose" if k.css("#choose").is_displayed() else "result"), secs, log

    def journey_k(self):
        """Tablet: the face kiosk: registered, a face enrolled with consent, clock in and out by face, refusals, review, revoked"""
        if self.face_missing:
            self.face_unavailable(self.face_missing)
        if not self.face_images or not self.face_streams:
            self.face_unavailable("journey k needs --face-images and --face-streams")
        photos = [os.path.join(self.face_images, n) for n in ("obama.jpg", "obama2.jpg", "obama3.jpg")]
        streams = {n: os.path.join(os.path.abspath(self.face_streams), f"{n}.y4m") for n in ("pose", "other", "still", "dim")}
        missing = [p for p in photos + list(streams.values()) if not os.path.isfile(p)]
        if missing:
            self.face_unavailable(f"journey k: missing {', '.join(missing)}")
        pw = self.demo["password"]
        admin_no, _ = self.demo["admin"]
        m_no, _ = self.demo["manager"]
        later = []   # problems that do not stop the journey: it goes on and fails at its end
        timings = []

        # 1. the administrator registers a kiosk: an empty name is refused beside its field, then it is registered
        a = self.browser("admin-desktop", DESKTOP)
        a.sign_in(admin_no, pw)
        nav = a.all("header nav a[href='/admin/kiosks']")
        check(nav and "打刻端末" in nav[0].text, f"the administrator's menu has no 打刻端末: {[x.text for x in a.all('header nav a')]}")
        a.submit(nav[0])
        check(a.path() == "/admin/kiosks" and "打刻端末" in a.h1(), f"the kiosks page did not open: {a.d.current_url} {a.h1()}")
        if a.has("#face-unavailable"):
            self.face_unavailable(f"the server has no face models (YAKUBA_FACE_MODELS): {a.text('#face-unavailable')}")
        a.audit("admin/kiosks")

        def kiosk_rows():
            return {tr.find_element(By.CSS_SELECTOR, "th").text.strip(): tr for tr in a.all("main table tbody tr")
                    if tr.find_elements(By.CSS_SELECTOR, "th")}

        def register(name):
            a.get("/admin/kiosks")
            a.fill("kiosk-name", name)
            a.submit(a.css("#register-kiosk"))

        before = sorted(kiosk_rows())
        register("")
        check(not a.has("#pair-link"), "a kiosk without a name was registered (a pairing link is shown)")
        msg = field_error(a, "kiosk-name")
        check("名前" in msg, f"the empty name's message: {msg}")
        a.screenshot("k-1-kiosk-empty-name.png")
        a.audit("admin/kiosks (empty name)", replay_en=lambda: (a.set_lang("en"), register("")))
        a.get("/admin/kiosks")
        check(sorted(kiosk_rows()) == before, f"a refused kiosk was listed: {sorted(kiosk_rows())}")
        kiosk_name = f"本庁舎1階入口 {now_local():%H%M%S}"
        a.fill("kiosk-name", kiosk_name)
        places = Select(a.d.find_element(By.ID, "kiosk-place"))
        values = [o.get_attribute("value") for o in places.options]
        place = "本庁舎" if "本庁舎" in values else values[0]
        places.select_by_value(place)
        a.submit(a.css("#register-kiosk"))
        check(a.has("#pair-link") and a.has("#kiosk-token"), f"the kiosk was not registered: {a.text('main')[:400]}")
        pair = a.css("#pair-link").get_attribute("href")
        token = a.text("#kiosk-token").strip()
        parts = urllib.parse.urlsplit(pair)
        check(parts.path == "/kiosk" and parts.fragment == f"token={token}" and len(token) >= 20,
              f"the pairing link {pair!r} does not carry the token shown ({token!r})")
        check(kiosk_name in a.text(".flash"), f"the confirmation does not name the kiosk: {a.text('.flash')}")
        row = kiosk_rows().get(kiosk_name)
        check(row is not None, f"the new kiosk is not listed: {sorted(kiosk_rows())}")
        cells = [td.text.strip() for td in row.find_elements(By.CSS_SELECTOR, "td")]
        check(cells[0] == place and token.startswith(cells[1].rstrip("…")) and cells[3] == "使用中",
              f"the kiosk's row: {cells} (place {place}, token {token[:8]}…)")
        a.screenshot("k-2-kiosk-registered.png")
        a.audit("admin/kiosks (registered)", en=False)   # (in English this would register a second kiosk)

        # the kiosk itself, idle, on a tablet without a camera: axe in both languages; 顔で打刻 reached with Tab
        idle = self.kiosk_browser("kiosk-idle", pair, kiosk_name)
        check(f"{kiosk_name}（{place}）" in idle.text("#kiosk-name"), f"the kiosk names itself {idle.text('#kiosk-name')!r}")
        clock = idle.text("#clock")
        check(re.fullmatch(r"\d{2}:\d{2}", clock), f"the kiosk's clock shows {clock!r}")
        if minutes_apart(clock, now_local()) > 1:
            later.append(f"the kiosk's clock shows {clock} where the municipality's time (and the time its punches are recorded at) "
                         f"is {now_local():%H:%M} {ZONE.key}: kiosk.js `tick()` formats the tablet's own clock in the tablet's own time "
                         f"zone (the browser here runs in {idle.d.execute_script('return Intl.DateTimeFormat().resolvedOptions().timeZone')})")
        check("顔で打刻" in idle.text("#instruction") and idle.css("#instruction").get_attribute("role") == "status",
              f"the idle instruction: {idle.text('#instruction')!r}")
        check(not idle.css("#fallback").get_attribute("open"), "the PIN/IC card fallback is open on an idle kiosk that has face recognition")
        idle.screenshot("k-3-kiosk-idle.png")
        idle.audit("kiosk (idle)")
        check(kiosk_name in idle.text("#kiosk-name"), "the kiosk lost its pairing after switching language")
        start = idle.css("#start-face")
        check("顔で打刻" in start.text, f"the kiosk's main button says {start.text!r}")
        idle.d.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
        for presses in range(1, 40):
            ActionChains(idle.d).send_keys(Keys.TAB).perform()
            if idle.d.switch_to.active_element == start:
                break
        else:
            raise JourneyFailure("Tab from the top of /kiosk never reaches 顔で打刻")
        check(idle.d.execute_script("return arguments[0].matches(':focus-visible')", start), "顔で打刻 reached by Tab is not :focus-visible")
        idle.screenshot("k-3b-kiosk-keyboard-focus.png")
        self.notes.append(f"/kiosk: 顔で打刻 gets focus after {presses} Tab presses")
        # Enter on it, with no camera in this tablet: the kiosk says so and opens the PIN / IC card fallback
        ActionChains(idle.d).send_keys(Keys.ENTER).perform()
        try:
            idle.wait(lambda d: "カメラを使えません" in d.find_element(By.ID, "instruction").text, "the no-camera message after Enter on 顔で打刻")
            check(idle.css("#fallback").get_attribute("open") is not None, "the fallback did not open when the camera is missing")
        except JourneyFailure as e:
            later.append(f"a kiosk without a camera: {e}")
        idle.screenshot("k-3c-kiosk-no-camera.png")

        # 2. a member of the manager's staff with nothing punched today enrols their face (refused without consent)
        m = self.browser("manager-desktop", DESKTOP)
        m.sign_in(m_no, pw)
        m.get("/overtime/new")
        options = [(o.get_attribute("value"), o.get_attribute("textContent")) for o in m.all("datalist#staff-options option")]
        taken = {self.demo[r][0] for r in ("admin", "hr", "manager", "staff", "part", "dx")}
        candidates = [o for o in reversed(options) if o[0] not in taken]   # from the end: the other journeys take the first ones
        check(candidates, f"the manager {m_no} has no staff besides the demo logins")
        s = self.browser("staff-desktop", DESKTOP)
        chosen = None
        for number, label in candidates[:6]:
            s.sign_in(number, pw)
            if "勤務外" in s.text("#state") and not punches_today(s):
                chosen = (number, label)
                break
            s.d.delete_all_cookies()
        check(chosen, f"none of the manager's staff {[c[0] for c in candidates[:6]]} is off duty with nothing punched today")
        s_no, s_name = chosen[0], re.sub(r"（.*$", "", chosen[1]).strip()
        family = s_name.split()[0]
        who = s.css("header .who").get_attribute("textContent")
        check(s_name in who, f"the header does not name {s_name}: {who!r}")
        nav = s.all("header nav a[href='/face']")
        check(nav and "顔認証・PIN" in nav[0].text, f"the staff menu has no 顔認証・PIN: {[x.text for x in s.all('header nav a')]}")
        s.submit(nav[0])
        check(s.path() == "/face" and "顔認証・PIN" in s.h1(), f"/face did not open: {s.d.current_url}")
        check("登録していません" in s.text("#enrolled-state"), f"the enrolment state: {s.text('#enrolled-state')}")
        consent_text = s.text("section.consent")
        for words in ("128", "保存", "目的", "取り消す"):
            check(words in consent_text, f"the consent text does not mention {words}: {consent_text[:300]}")
        check(s.css("#images").get_attribute("multiple") is not None, "#images does not take several files")
        s.audit("face (not enrolled)")

        def enrol(consent):
            s.get("/face")
            s.d.find_element(By.ID, "images").send_keys("\n".join(photos))
            box = s.css("#consent")
            if box.is_selected() != consent:
                box.click()
            old = s.css("html")
            s.css("#enrol").click()
            s.wait_gone(old, "the answer to the enrolment", timeout=120)   # three photographs through the face pipeline

        enrol(False)
        check(not s.has(".flash"), f"enrolled without consent: {s.text('main')[:300]}")
        try:
            msg = field_error(s, "consent")
        except JourneyFailure as e:   # (shown and described, but not marked invalid: noted, and the journey goes on)
            later.append(f"the consent box's error: {e}")
            msg = s.text("#consent-error") if s.has("#consent-error") else ""
        check("同意" in msg, f"the missing consent's message: {msg!r}")
        check(not s.has("#images-error"), f"three good photographs were refused: {s.text('#images-error') if s.has('#images-error') else ''}")
        check("登録していません" in s.text("#enrolled-state"), f"after the refusal: {s.text('#enrolled-state')}")
        s.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", s.css("#consent"))
        s.screenshot("k-5-face-no-consent.png")
        s.audit("face (no consent)", replay_en=lambda: (s.get("/face?lang=en"), enrol(False)))
        s.get("/face?lang=ja")
        t0 = time.time()
        enrol(True)
        timings.append(f"enrolment {time.time() - t0:.1f}s")
        check(s.path() == "/face", f"the enrolment did not come back to /face: {s.d.current_url} {s.text('main')[:400]}")
        f = s.flash()
        check("顔を登録しました（写真3枚）" in f, f"no confirmation of the enrolment: {f!r} {s.text('main')[:300]}")
        check("登録済み" in s.text("#enrolled-state"), f"the enrolment state after enrolling: {s.text('#enrolled-state')}")
        s.screenshot("k-6-face-enrolled.png")
        s.audit("face (enrolled)")
        # HR's (and the administrator's) list of who is enrolled: the name, three photos, never the numbers
        a.submit(a.css("header nav a[href='/admin/face']"))
        enrolled = [tr for tr in a.all("main table tbody tr") if s_no in tr.text]
        check(enrolled and s_name in enrolled[0].text, f"/admin/face does not list {s_name}（{s_no}）: {a.text('main')[:300]}")
        check([td.text for td in enrolled[0].find_elements(By.CSS_SELECTOR, "td.num")] == ["3"], f"/admin/face's row: {enrolled[0].text}")
        a.audit("admin/face")

        # 3. the face kiosk, its camera playing Obama turning his head: the challenge, his name, 出勤
        k = self.kiosk_browser("kiosk-pose", pair, kiosk_name, streams["pose"])
        state, secs, log = self.face_attempt(k, timeout=45)
        timings.append(f"recognised in {secs:.1f}s ({log['sent']} frames, {log['frames']})")
        check(state == "choose", f"the pose stream was refused: {k.text('#result-text')!r}; instructions shown: {log['said']}")
        check(any(re.search(r"ゆっくり(右|左)を向いてください", t) for t in log["said"]),
              f"the kiosk never asked for the head turn: {log['said']}")
        greeting = k.text("#greeting")
        check(f"{family}さん" in greeting, f"the greeting does not name {family}さん: {greeting!r}")
        check(k.text("#match-note") == "", f"a certain match shows a note: {k.text('#match-note')!r}")
        choices = k.all("#choices button")
        check(choices and choices[0].get_attribute("data-kind") == "in" and "出勤" in choices[0].text,
              f"the first choice is not 出勤: {[(c.get_attribute('data-kind'), c.text) for c in choices]}")
        k.screenshot("k-7-kiosk-recognised.png")
        self.auditor.run(k.d, "kiosk (recognised)", "ja")
        check(k.css("#choose").is_displayed(), "the choice went away while axe ran")
        tap = now_local()
        k.all("#choices button")[0].click()
        k.wait(lambda d: d.find_element(By.ID, "result").is_displayed(), "the result after 出勤")
        text = k.text("#result-text")
        mm = re.search(r"出勤を (\d{1,2}:\d{2}) に記録しました（(.+?)）。", text)
        check(mm, f"no confirmation with the time and place after 出勤: {text!r}")
        check(mm.group(2) == place and minutes_apart(mm.group(1), tap) <= 2, f"the kiosk's confirmation {text!r} (now {tap:%H:%M}, at {place})")
        check("所属長が確認します" not in text, f"a certain match is sent to the manager: {text!r}")
        k.screenshot("k-8-kiosk-clocked-in.png")
        self.done_with(k)
        got = punches_today(s)
        check([(p["kind"], p["place"]) for p in got] == [("in", place)], f"after 出勤 at the kiosk the API shows {got}")
        s.get("/punch")
        check("勤務中" in s.text("#state"), f"the staff member's /punch after the kiosk: {s.text('#state')}")
        rows = today_rows(s)
        check([(r[0], r[1], r[2]) for r in rows] == [(mm.group(1), "出勤", place)], f"today's table on /punch: {rows}")

        # 4. a stranger (Biden, not enrolled): refused, nothing recorded
        k = self.kiosk_browser("kiosk-stranger", pair, kiosk_name, streams["other"])
        state, secs, log = self.face_attempt(k, timeout=45)
        timings.append(f"stranger refused in {secs:.1f}s ({log['sent']} frames)")
        text = k.text("#result-text") if state == "result" else k.text("#greeting")
        check(state == "result" and "登録されている職員と一致しませんでした" in text, f"a stranger at the kiosk: {state} {text!r}")
        k.screenshot("k-9-kiosk-stranger.png")
        # a few seconds later the kiosk is ready for the next person
        k.wait(lambda d: d.find_element(By.ID, "face").is_displayed() and not d.find_element(By.ID, "result").is_displayed(),
               "the kiosk to be ready again after a refusal")
        check("顔で打刻" in k.text("#instruction"), f"the kiosk, ready again, says {k.text('#instruction')!r}")
        self.done_with(k)

        # 5. a photograph held up (a still, frontal face that never turns): refused once the challenge's time is up
        k = self.kiosk_browser("kiosk-still", pair, kiosk_name, streams["still"])
        state, secs, log = self.face_attempt(k, timeout=40)
        timings.append(f"still photo refused in {secs:.1f}s ({log['sent']} frames, {log['frames']})")
        text = k.text("#result-text") if state == "result" else k.text("#greeting")
        check(state == "result" and "本人確認（顔の向きの確認）ができませんでした" in text, f"a still photograph at the kiosk: {state} {text!r}")
        check(secs >= 12, f"the still photograph was refused after {secs:.1f}s, before the challenge's 12 s were up")
        k.screenshot("k-10-kiosk-still-photo.png")
        self.auditor.run(k.d, "kiosk (refused)", "ja")
        self.done_with(k)
        got = punches_today(s)
        check([p["kind"] for p in got] == ["in"], f"after the refusals the staff member has {[p['kind'] for p in got]}")

        # 6. a poor camera: recognised, but the match is uncertain; 退勤 is recorded for the manager to check
        k = self.kiosk_browser("kiosk-dim", pair, kiosk_name, streams["dim"])
        state, secs, log = self.face_attempt(k, timeout=45)
        timings.append(f"dim camera recognised in {secs:.1f}s ({log['sent']} frames)")
        check(state == "choose", f"the dim stream was refused: {k.text('#result-text')!r}; instructions shown: {log['said']}")
        check(f"{family}さん" in k.text("#greeting"), f"the greeting does not name {family}さん: {k.text('#greeting')!r}")
        note = k.text("#match-note")
        check(note == "顔の一致が十分ではないため、所属長が確認します。", f"an uncertain match's note: {note!r}")
        kinds = [c.get_attribute("data-kind") for c in k.all("#choices button")]
        check(kinds and kinds[0] == "out" and "in" not in kinds, f"the choices while at work: {kinds}")
        k.screenshot("k-11-kiosk-unverified.png")
        self.auditor.run(k.d, "kiosk (recognised, unverified)", "ja")
        tap = now_local()
        k.css("#choices button[data-kind=out]").click()
        k.wait(lambda d: d.find_element(By.ID, "result").is_displayed(), "the result after 退勤")
        text = k.text("#result-text")
        mm = re.search(r"退勤を (\d{1,2}:\d{2}) に記録しました（(.+?)）。", text)
        check(mm and mm.group(2) == place and minutes_apart(mm.group(1), tap) <= 2, f"no confirmation of 退勤: {text!r}")
        check("顔の一致が十分ではないため、所属長が確認します。" in text, f"the confirmation does not say the manager will check: {text!r}")
        k.screenshot("k-12-kiosk-clocked-out-unverified.png")
        self.done_with(k)
        got = punches_today(s)
        check([p["kind"] for p in got] == ["in", "out"], f"after 退勤 at the kiosk the API shows {[p['kind'] for p in got]}")

        # 7. the manager reviews the uncertain punch: only that one is listed, tagged 要確認; confirmed, the list is empty
        nav = m.all("header nav a[href='/kiosk-reviews']")
        check(nav and "顔認証の確認" in nav[0].text, f"the manager's menu has no 顔認証の確認: {[x.text for x in m.all('header nav a')]}")
        m.submit(nav[0])
        check(m.path() == "/kiosk-reviews" and "顔認証の確認" in m.h1(), f"/kiosk-reviews did not open: {m.d.current_url}")

        def review_rows():
            return [tr for tr in m.all("#reviews tbody tr") if f"（{s_no}）" in tr.text]
        rows = review_rows()
        check(len(rows) == 1, f"/kiosk-reviews lists {len(rows)} punches of {s_no} (expected the uncertain 退勤 only): {m.text('main')[:500]}")
        tag = rows[0].find_elements(By.CSS_SELECTOR, "span.method.unverified")
        check("退勤" in rows[0].text and tag and tag[0].text == "要確認", f"the punch to review: {rows[0].text!r}")
        distance = [td.text for td in rows[0].find_elements(By.CSS_SELECTOR, "td.num")]
        check(distance and 0.40 <= float(distance[0]) <= 0.50, f"the match distance shown: {distance}")
        check(kiosk_name in rows[0].text, f"the review does not name the kiosk: {rows[0].text!r}")
        m.screenshot("k-13-review-pending.png")
        m.audit("kiosk-reviews (to review)")
        # 本人ではない without the comment it needs: refused beside the comment box, the punch still to review
        rows = review_rows()
        comment_id = rows[0].find_element(By.CSS_SELECTOR, "input[name=comment]").get_attribute("id")
        m.submit(rows[0].find_element(By.CSS_SELECTOR, "button[name=decision][value=rejected]"))
        # the form posts to /kiosk-reviews/<punch>; refused, that answer is the list again with the message in it
        if not m.path().startswith("/kiosk-reviews") or not m.has(f"[id='{comment_id}']"):
            later.append(f"本人ではない without a comment on /kiosk-reviews answers a bare error page ({m.d.current_url}: "
                         f"{m.text('main')[:120]!r}) instead of the list with the message beside the comment box")
            m.screenshot("k-13b-review-reject-no-comment.png")
        else:
            try:
                msg = field_error(m, comment_id)
                check("コメント" in msg, f"the missing comment's message: {msg!r}")
            except JourneyFailure as e:
                later.append(f"本人ではない without a comment: {e}")
            m.screenshot("k-13b-review-reject-no-comment.png")
        m.get("/kiosk-reviews")
        rows = review_rows()
        check(len(rows) == 1, f"after 本人ではない without a comment, the punch is no longer to review: {m.text('main')[:300]}")
        check([p["kind"] for p in punches_today(s)] == ["in", "out"], "本人ではない without a comment withdrew the punch")
        rows[0].find_element(By.CSS_SELECTOR, "input[name=comment]").send_keys("窓口で本人と確認しました")
        m.submit(rows[0].find_element(By.CSS_SELECTOR, "button[name=decision][value=confirmed]"))
        f = m.flash()
        check(f"{s_name}さんの打刻を本人と確認しました" in f, f"no confirmation of the review: {f!r}")
        check(m.has("#no-reviews") and not m.has("#reviews"), f"the list after the review: {m.text('main')[:400]}")
        m.screenshot("k-14-review-done.png")
        m.audit("kiosk-reviews (none)")
        got = punches_today(s)
        check([p["kind"] for p in got] == ["in", "out"], f"a confirmed punch changed the day: {[p['kind'] for p in got]}")

        # 8. the administrator revokes the kiosk: its token is refused, and the kiosk shows its pairing screen again
        a.get("/admin/kiosks")
        row = kiosk_rows()[kiosk_name]
        btn = row.find_elements(By.CSS_SELECTOR, "form[action$='/revoke'] button[type=submit]")
        check(btn and btn[0].get_attribute("aria-label") == f"「{kiosk_name}」を失効させる", f"the kiosk's revoke button: {row.text!r}")
        a.submit(btn[0])
        check("失効させました" in a.flash(), f"no confirmation of the revocation: {a.text('main')[:300]}")
        row = kiosk_rows()[kiosk_name]
        check("失効" in row.text and not row.find_elements(By.CSS_SELECTOR, "button"), f"the revoked kiosk's row: {row.text!r}")
        a.screenshot("k-15-kiosk-revoked.png")
        req = urllib.request.Request(a.url("/api/v1/kiosk"), headers={"X-Kiosk-Token": token, "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
        check(status == 401, f"GET /api/v1/kiosk with the revoked token answered {status}")
        idle.d.refresh()
        idle.wait_ready()
        idle.wait(lambda d: d.find_element(By.ID, "pair").is_displayed(), "the pairing section once the kiosk is revoked")
        check(not idle.css("#face").is_displayed(), "the revoked kiosk still offers 顔で打刻")
        check(idle.d.execute_script("return localStorage.getItem('yakuba-kiosk-token')") is None, "the revoked token stays in localStorage")
        idle.screenshot("k-16-kiosk-unpaired.png")
        idle.audit("kiosk (not paired)")

        # 9. the staff member withdraws: the face numbers are deleted, HR's list no longer has them
        s.get("/face")
        s.submit(s.css("#withdraw"))
        check("顔の登録を取り消し" in s.flash() and "登録していません" in s.text("#enrolled-state"),
              f"the withdrawal: {s.text('main')[:300]}")
        a.get("/admin/face")
        check(not [tr for tr in a.all("main table tbody tr") if s_no in tr.text], f"/admin/face still lists {s_no} after the withdrawal")

        self.notes.append("journey k: " + "; ".join(timings))
        later = [p for p in later if p]
        check(not later, "; ".join(later))

    def sideways_scroll(self, b, what):
        """On a phone the page itself must not scroll sideways (a wide table scrolls inside its own region): a problem, or None.

        (A phone browser widens its layout viewport to a page that is too wide, so window.innerWidth grows with it;
        the document's clientWidth stays the screen's.)"""
        width, screen = b.d.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if width <= screen + 1:
            return None
        wide = b.d.execute_script("""var w = arguments[0], out = [];
            document.querySelectorAll('main *').forEach(function (e) {   // the outermost elements past the screen's edge
              var r = e.getBoundingClientRect(), p = e.parentElement.getBoundingClientRect();
              var legend = e.tagName === 'FIELDSET' && e.querySelector('legend');
              if (r.right > w + 1 && p.right <= w + 1)
                out.push(e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + (legend ? '「' + legend.textContent + '」' : '') + ' ' + Math.round(r.width) + 'px');
            });
            return out.slice(0, 6);""", screen)
        hint = ("; a fieldset is as wide as its widest content (min-width: min-content) unless its CSS gives it min-width: 0"
                if any(w.startswith("fieldset") for w in wide) else "")
        return f"{what} is {width} px wide on a {screen} px phone (too wide: {', '.join(wide)}{hint})"


def contrast(css_color, other):
    def rgb(c):
        m = re.match(r"rgba?\((\d+),\s*(\d+),\s*(\d+)", c or "")
        return tuple(int(x) / 255 for x in m.groups()) if m else None
    def lum(t):
        f = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in t]
        return 0.2126 * f[0] + 0.7152 * f[1] + 0.0722 * f[2]
    a, b = rgb(css_color), rgb(other)
    if not a or not b:
        return None
    la, lb = sorted([lum(a), lum(b)], reverse=True)
    return (la + 0.05) / (lb + 0.05)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base_url")
    ap.add_argument("work_dir")
    ap.add_argument("demo_log")
    ap.add_argument("--first-run-url")
    ap.add_argument("--first-run-log")
    ap.add_argument("--only", default="a,b,c,d,e,f,g,k")
    ap.add_argument("--axe-js")
    ap.add_argument("--face-images", help="journey k: the test photographs (obama.jpg, obama2.jpg, obama3.jpg)")
    ap.add_argument("--face-streams", help="journey k: pose.y4m, other.y4m, still.y4m, dim.y4m from scripts/face/streams.py")
    ap.add_argument("--face-missing", help="journey k: why the face data are missing (it is then skipped, or fails with FACE_REQUIRED=1)")
    args = ap.parse_args()
    s = Suite(args)
    journeys = {"a": s.journey_a, "b": s.journey_b, "c": s.journey_c, "d": s.journey_d, "e": s.journey_e, "f": s.journey_f,
                "g": s.journey_g, "k": s.journey_k}
    for name in args.only.split(","):
        s.run(name.strip(), journeys[name.strip()])

    a = s.auditor
    with open(os.path.join(s.work, "axe-report.json"), "w", encoding="utf-8") as f:
        json.dump({"axe": a.version, "tags": WCAG_TAGS, "checked": a.checked, "violations": a.violations}, f, ensure_ascii=False, indent=1)
    print()
    if a.violations:
        print(f"axe-core {a.version} violations ({', '.join(WCAG_TAGS)}):")
        for v in a.violations:
            print(f"  [{v['impact']}] {v['rule']} on {v['page']} ({v['lang']}) {v['url']}")
            print(f"      {v['help']}  {v['helpUrl']}")
            for n in v["nodes"][:6]:
                print(f"      - {n['target']}: {n['html'][:200]}")
                if n["summary"]:
                    print("        " + n["summary"].replace("\n", " ")[:300])
            if len(v["nodes"]) > 6:
                print(f"      … and {len(v['nodes']) - 6} more nodes")
    for n in s.notes:
        print("note:", n)
    passed = sum(1 for r in s.results if r[1])
    failed = [r for r in s.results if r[1] is False]
    skipped = [r for r in s.results if r[1] is None]
    print()
    for name, ok, msg in s.results:
        print(f"journey {name}: {'passed' if ok else 'skipped' if ok is None else 'FAILED'} ({msg})")
    print(f"screenshots: {len(s.screens)} in {s.work}")
    print(f"axe-core {a.version}: {len(a.checked)} page checks ({len({c[0] for c in a.checked})} pages/states, each in ja and en), "
          f"{len(a.violations)} violations of {len({v['rule'] for v in a.violations})} rules on "
          f"{len({(v['page'], v['lang']) for v in a.violations})} page checks")
    print(f"journeys: {passed} passed, {len(failed)} failed{f', {len(skipped)} skipped' if skipped else ''}; "
          f"accessibility: {'FAILED' if a.violations else 'passed'}")
    # one closing line counting the journeys and the accessibility check as tests
    print(f"{passed + (0 if a.violations else 1)} passed, {len(failed) + (1 if a.violations else 0)} failed")
    sys.exit(1 if failed or a.violations else 0)


if __name__ == "__main__":
    main()
