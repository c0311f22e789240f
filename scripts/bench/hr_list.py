#!/usr/bin/env python3
"""Signs in as HR and times the first page of the attendance-book list (GET /books), cold then warm."""
import re, sys, time, statistics, urllib.request, urllib.parse, http.cookiejar

base, number, password = sys.argv[1], sys.argv[2], sys.argv[3]
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
page = opener.open(base + "/login").read().decode()
csrf = re.search(r'name="_csrf" value="([^"]+)"', page).group(1)
data = urllib.parse.urlencode({"_csrf": csrf, "staff_number": number, "password": password}).encode()
opener.open(base + "/login", data)
times = []
for i in range(7):
    t = time.perf_counter()
    body = opener.open(base + "/books").read().decode()
    times.append((time.perf_counter() - t) * 1000)
    if "出勤簿一覧" not in body:
        sys.exit("not the attendance-book list: is the HR login right?")
rows = body.count("<tr>") - 1
print(f"list_cold_ms={times[0]:.1f} list_first_page_ms={statistics.median(times[1:]):.1f} list_rows={rows}")
