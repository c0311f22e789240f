"""The app engine under load (scripts/bench-apps): fills an app of 20 fields with records through the bulk API, 100 at a
time, then times filtered and sorted list pages, a chart over every record, and deep paging. Prints name=value figures."""
import http.client, json, random, statistics, sys, time, urllib.parse

host, port, token, total = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
dept_codes = sys.argv[5].split(",")
conn = http.client.HTTPConnection(host, port, timeout=120)
H = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

def call(method, path, body=None):
    t0 = time.perf_counter()
    conn.request(method, path, body=json.dumps(body, ensure_ascii=False).encode() if body is not None else None, headers=H)
    r = conn.getresponse()
    data = r.read()
    ms = (time.perf_counter() - t0) * 1000
    if r.status >= 300:
        sys.exit(f"{method} {path}: {r.status} {data[:500]!r}")
    return ms, (json.loads(data) if data else None)

rng = random.Random(20261203)
cats = [f"分類{i}" for i in range(10)]
def record(i):
    d = rng.randint(0, 729)
    return {"title": f"案件{i}", "department": rng.choice(dept_codes), "category": rng.choice(cats), "priority": rng.choice(["高", "中", "低"]),
            "region": rng.choice(["北", "南", "東", "西", "中央"]), "amount": rng.randint(0, 1_000_000), "qty": rng.randint(1, 50),
            "hours": round(rng.random() * 100, 1), "rate": rng.randint(0, 100), "due": f"{2025 + d // 365}-{(d % 365) // 31 % 12 + 1:02d}-{(d % 28) + 1:02d}",
            "started": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "received": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}",
            "flag": rng.random() < 0.3, "code": f"K-{rng.randint(0, 99999):05d}", "note": "備考" * rng.randint(0, 5), "memo": "メモ",
            "tags": rng.sample(["至急", "要確認", "外部", "内部"], rng.randint(0, 2)), "contact": "03-1234-5678"}

# fill
existing = call("GET", "/api/v1/apps/bench_cases/records?limit=1")[1]["count"]
bulk = []
t_fill = time.perf_counter()
i = existing
while i < total:
    n = min(100, total - i)
    ms, _ = call("POST", "/api/v1/apps/bench_cases/records", {"records": [record(i + k) for k in range(n)]})
    bulk.append(ms)
    i += n
    if len(bulk) % 200 == 0:
        print(f"  {i} records, last bulk {ms:.1f} ms", flush=True)
fill_s = time.perf_counter() - t_fill
count = call("GET", "/api/v1/apps/bench_cases/records?limit=1")[1]["count"]

def q(s): return urllib.parse.quote(s, safe="")
# filtered and sorted list pages, as people open them (a different filter each time)
lists = []
for k in range(200):
    c = rng.choice(cats); amount = rng.randint(0, 900_000); field = rng.choice(["due desc", "amount desc", "hours asc", "record_number desc"])
    shape = k % 4
    if shape == 0: query = f'category = "{c}" and amount >= {amount} order by {field}'
    elif shape == 1: query = f'priority = "高" and region in ("北", "東") order by {field}'
    elif shape == 2: query = f'status = "受付" and due >= "2026-01-01" order by due asc'
    else: query = f'amount between' if False else f'qty >= {rng.randint(1, 50)} and flag = true order by {field}'
    ms, page = call("GET", f"/api/v1/apps/bench_cases/records?limit=50&query={q(query)}")
    lists.append(ms)
lists.sort()
p95 = lists[int(len(lists) * 0.95) - 1]
# a chart over every record: the sum of amounts by category and status
charts = []
for _ in range(5):
    ms, data = call("GET", f"/api/v1/apps/bench_cases/aggregate?aggregate=sum&field=amount&group=category&group2=status")
    charts.append(ms)
chart_rows = len(data["rows"])
month_ms, _ = call("GET", f"/api/v1/apps/bench_cases/aggregate?aggregate=count&group=due:month")
# deep paging by cursor: page 101 costs what page 1 costs
cursor = None; deep = []
for _ in range(101):
    ms, page = call("GET", "/api/v1/apps/bench_cases/records?limit=100&query=" + q("order by amount desc") + (f"&cursor={cursor}" if cursor else ""))
    deep.append(ms); cursor = page["next"]
print(f"filled {total - existing} records in {fill_s:.0f} s; bulk of 100: p50 {statistics.median(bulk) if bulk else 0:.1f} ms, p95 {sorted(bulk)[int(len(bulk) * 0.95) - 1] if bulk else 0:.1f} ms")
print(f"list pages (50 rows, filtered and sorted, 200 requests): p50 {statistics.median(lists):.1f} ms, p95 {p95:.1f} ms, max {lists[-1]:.1f} ms")
print(f"chart over all records (sum by category and status, {chart_rows} groups): {statistics.median(charts):.1f} ms; by month: {month_ms:.1f} ms")
print(f"paging by cursor: page 1 {deep[0]:.1f} ms, page 101 {deep[-1]:.1f} ms")
print(f"records={count} list_p95_ms={p95:.1f} chart_ms={statistics.median(charts):.1f} bulk100_ms={statistics.median(bulk) if bulk else 0:.1f} page101_ms={deep[-1]:.1f}")
