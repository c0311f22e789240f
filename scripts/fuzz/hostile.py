"""Hand-written hostile requests for scripts/fuzz-api: huge and malformed bodies, injection strings in every
stored text field (and a check that every page shows them escaped), and other people's ids in every id position.
Usage: hostile.py BASE STAFF_TOKEN MANAGER_TOKEN HR_TOKEN PASSWORD STAFF_NUMBER"""
import http.client
import http.cookiejar
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

base, staff_token, manager_token, hr_token, password, staff_number = sys.argv[1:7]
url = urllib.parse.urlparse(base)
failures = []
checked = 0

SQL = "' OR '1'='1'; DROP TABLE punches; --"
HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>'
MARK = "hostile" + "\u6f22"


def expect(cond, what):
    global checked
    checked += 1
    if not cond:
        failures.append(what)


def raw(method, path, body=b"", headers=None):
    """One request on a fresh connection; returns (status, body bytes). A dropped connection counts as status 0."""
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, r.read()
    except (ConnectionError, http.client.HTTPException):
        return 0, b""
    finally:
        c.close()


def api(method, path, token, body=None, extra=None):
    h = {"Authorization": "Bearer " + token}
    if body is not None:
        h["Content-Type"] = "application/json"
    h.update(extra or {})
    data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else b"")
    return raw(method, path, data, h)


class Browser:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.csrf = None

    def get(self, path):
        return self._send(urllib.request.Request(base + path, headers={"Accept": "text/html"}))

    def post(self, path, form):
        f = dict(form)
        if self.csrf and "_csrf" not in f:
            f["_csrf"] = self.csrf
        data = urllib.parse.urlencode(f).encode()
        return self._send(urllib.request.Request(base + path, data=data, headers={"Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded"}))

    def _send(self, req):
        try:
            r = self.opener.open(req, timeout=30)
            status, body = r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read().decode("utf-8", "replace")
        m = re.search(r'name="_csrf" value="([^"]+)"', body)
        if m:
            self.csrf = m.group(1)
        return status, body

    def login(self, number):
        self.get("/login")
        return self.post("/login", {"staff_number": number, "password": password})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- malformed and oversized bodies ---------------------------------------------------------------------------
P = "/api/v1/punches"
s, _ = api("POST", P, staff_token, b"{" + b'"kind":"in","place":"' + b"x" * (2 * 1024 * 1024) + b'"}')
expect(s in (0, 413), f"2 MB body: {s} (want 413)")
s, _ = api("POST", P, staff_token, b"[" * 100_000 + b"]" * 100_000)
expect(s == 400, f"deeply nested JSON: {s}")
s, _ = api("POST", P, staff_token, b'{"kind":' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"}")
expect(s == 400, f"deeply nested object: {s}")
s, _ = api("POST", P, staff_token, b'{"kind":"in","place":"\xff\xfe\xfa"}')
expect(s == 400, f"invalid UTF-8: {s}")
s, _ = api("POST", P, staff_token, b'{"kind":"in"')
expect(s == 400, f"truncated JSON: {s}")
s, _ = api("POST", P, staff_token, b"\x00\x01\x02")
expect(s == 400, f"binary body: {s}")
s, _ = api("POST", P, staff_token, b"", {"Content-Length": "0"})
expect(s == 400, f"empty body: {s}")
s, _ = raw("POST", P, b'{"kind":"in"}', {"Authorization": "Bearer " + staff_token, "Content-Type": "text/plain"})
expect(s == 415, f"text/plain body: {s}")
s, _ = api("POST", P, staff_token, {"kind": ["in"], "place": {"x": 1}})
expect(s == 400, f"wrong JSON types: {s}")
s, _ = api("POST", P, staff_token, {"kind": "in"}, {"Idempotency-Key": "k" * 5000})
expect(s == 422, f"5000-character Idempotency-Key: {s}")
s, _ = api("GET", "/api/v1/days?month=" + "9" * 5000, staff_token)
expect(s == 422, f"huge month: {s}")
s, _ = api("GET", "/api/v1/punches?from=2026-02-30&to=2026-03-01", staff_token)
expect(s == 422, f"impossible date: {s}")
s, _ = raw("GET", "/api/v1/me", b"", {"Authorization": "Bearer " + "A" * 10_000})
expect(s == 401, f"10 kB bearer token: {s}")
s, _ = raw("GET", "/api/v1/me", b"", {"Authorization": "Bearer \u00e9".encode("utf-8").decode("latin-1")})
expect(s in (400, 401), f"non-ASCII token: {s}")

# --- injection strings in every API text field: refused or stored as text, never an error ---------------------
for field in ("kind", "place", "device_time"):
    for attack in (SQL, HTML, "\u0000", "../../etc/passwd", "%00", "${jndi:ldap://x}"):
        body = {"kind": "in", "place": "本庁舎"}
        body[field] = attack
        s, b = api("POST", P, staff_token, body)
        expect(s in (409, 422), f"{field}={attack!r}: {s} {b[:200]!r}")
for attack in (SQL, HTML, "1 OR 1=1"):
    q = urllib.parse.quote(attack)
    for path in (f"/api/v1/punches?staff_id={q}", f"/api/v1/days?staff_id={q}", f"/api/v1/days?month={q}", f"/api/v1/punches?from={q}"):
        s, _ = api("GET", path, staff_token)
        expect(200 <= s < 500, f"GET {path}: {s}")

# --- the same strings through every form that stores text, then every page that shows it ----------------------
hr = Browser()
s, _ = hr.login(re.search(r'"staff_number":"(\d+)"', api("GET", "/api/v1/me", hr_token)[1].decode()).group(1))
expect(s == 303, f"HR signs in: {s}")
hr.get("/admin/departments")
s, _ = hr.post("/admin/departments", {"code": "99", "name": HTML + SQL + MARK, "parent": ""})
expect(s in (303, 422), f"department with injection name: {s}")
hr.get("/tokens")
s, _ = hr.post("/tokens", {"name": HTML + MARK})
expect(s in (200, 201, 303, 422), f"token with injection name: {s}")
staff = Browser()
s, _ = staff.login(staff_number)
expect(s == 303, f"staff signs in: {s}")
staff.get("/corrections/new")
s, _ = staff.post("/corrections", {"action": "add", "kind": "out", "date": "2026-01-05", "time": "17:15", "reason": HTML + SQL + MARK})
expect(s in (303, 422), f"correction with injection reason: {s}")
staff.get("/punch")
s, _ = staff.post("/punch", {"kind": "in", "place": HTML, "idempotency_key": SQL})
expect(s in (303, 409, 422), f"punch form with injection place: {s}")
staff.get("/login")
s, _ = Browser().post("/login", {"staff_number": SQL, "password": HTML})
expect(s in (401, 403, 422), f"login with injection: {s}")

pages = ["/admin/departments", "/admin/staff", "/tokens", "/corrections", "/books", "/today"]
for page in pages:
    s, body = hr.get(page)
    expect(s == 200, f"HR {page}: {s}")
    expect("<script>alert" not in body and "<img src=x" not in body, f"HR {page} shows injected HTML unescaped")
for page in ["/corrections", "/punch", "/tokens"]:
    s, body = staff.get(page)
    expect(s == 200, f"staff {page}: {s}")
    expect("<script>alert" not in body and "<img src=x" not in body, f"staff {page} shows injected HTML unescaped")

# --- other people's ids in every id position ------------------------------------------------------------------
me = json.loads(api("GET", "/api/v1/me", staff_token)[1])
_, books = hr.get("/books")
others = [i for i in dict.fromkeys(re.findall(r"/books/([0-9A-Fa-f-]{36})", books)) if i.lower() != me["id"].lower()]
expect(len(others) >= 3, f"HR's list shows other people ({len(others)})")
for other in others[:5]:
    for path in (f"/api/v1/punches?staff_id={other}", f"/api/v1/days?staff_id={other}"):
        s, _ = api("GET", path, staff_token)
        expect(s == 404, f"staff reads {path}: {s}")
    for path in (f"/books/{other}", f"/books/{other}/csv", f"/books/{other}/print"):
        s, _ = staff.get(path)
        expect(s == 404, f"staff opens {path}: {s}")
    s, _ = staff.get("/punch")
    s, _ = staff.post(f"/books/{other}/proxy-punch", {"kind": "in", "date": "2026-01-05", "time": "08:30", "reason": HTML})
    expect(s == 403, f"staff proxy-punches for {other}: {s}")
    s, _ = staff.post(f"/admin/staff/{other}/password", {})
    expect(s == 403, f"staff resets {other}'s password: {s}")
# a correction and a token that are not the staff member's
s, body = hr.get("/tokens")
token_ids = re.findall(r"/tokens/([0-9A-Fa-f-]{36})/revoke", body)
for tid in token_ids[:3]:
    staff.get("/tokens")
    s, _ = staff.post(f"/tokens/{tid}/revoke", {})
    expect(s == 404, f"staff revokes HR's token {tid}: {s}")
s, body = hr.get("/corrections")
for cid in re.findall(r"/corrections/([0-9A-Fa-f-]{36})/decision", body)[:3]:
    staff.get("/corrections")
    s, _ = staff.post(f"/corrections/{cid}/decision", {"decision": "approve", "comment": "x"})
    expect(s == 403, f"staff decides correction {cid}: {s}")
# the manager: only their own departments
s, _ = api("GET", f"/api/v1/days?staff_id={me['id']}", manager_token)
expect(s in (200, 404), f"manager reads the staff member's month: {s}")
for bad in ("00000000-0000-0000-0000-000000000000", "not-a-uuid", "../../etc/passwd"):
    s, _ = staff.get(f"/books/{urllib.parse.quote(bad, safe='')}")
    expect(s in (400, 404), f"staff opens /books/{bad}: {s}")

print(f"hostile requests: {checked} checks, {len(failures)} failures")
for f in failures:
    print("FAIL:", f, file=sys.stderr)
sys.exit(1 if failures else 0)
