"""Punch clients for scripts/crash-punch: several threads, each with its own people and keep-alive connection,
post punches until the server goes away. Every request's outcome is appended to OUTCOMES as
`round key status punch_id` (status 0 = no answer: the request was in flight when the server died)."""
import http.client
import json
import os
import sys
import threading
import urllib.parse

base, tokens_file, outcomes_file, round_no = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
url = urllib.parse.urlparse(base)
tokens = [line.rstrip("\n").split("\t")[1] for line in open(tokens_file) if "\t" in line]
THREADS = 8
KINDS = ["in", "break_start", "break_end", "out"]
lock = threading.Lock()
out = open(outcomes_file, "a")
# each person's next kind, kept across rounds so that most punches follow the sequence (a 409 moves it on too)
state_file = outcomes_file + ".state"
state = json.load(open(state_file)) if os.path.exists(state_file) else {}


def record(rows):
    with lock:
        out.writelines(rows)
        out.flush()


def client(t):
    mine = tokens[t::THREADS]
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    rows, n = [], 0
    while True:
        token = mine[n % len(mine)]
        step = state.get(token, 0)
        state[token] = step + 1
        kind = KINDS[step % len(KINDS)]
        key = f"crash-{round_no}-{t}-{n}"
        n += 1
        try:
            conn.request("POST", "/api/v1/punches", body=json.dumps({"kind": kind, "place": "本庁舎"}),
                         headers={"Authorization": "Bearer " + token, "Content-Type": "application/json",
                                  "Idempotency-Key": key})
            res = conn.getresponse()
            body = res.read()
            pid = json.loads(body).get("id", "-") if res.status == 201 else "-"
            rows.append(f"{round_no}\t{key}\t{res.status}\t{pid}\n")
        except Exception:
            rows.append(f"{round_no}\t{key}\t0\t-\n")
            break
        if len(rows) >= 50:
            record(rows)
            rows = []
    record(rows)


threads = [threading.Thread(target=client, args=(t,)) for t in range(THREADS)]
for th in threads:
    th.start()
for th in threads:
    th.join()
json.dump(state, open(state_file, "w"))
