"""Checks for scripts/crash-punch: the database against what the clients were told."""
import sqlite3
import sys

db_path, outcomes_file = sys.argv[1], sys.argv[2]
db = sqlite3.connect(db_path)
failures = []

# the integrity check is `yakuba database check` (run by scripts/crash-punch): app records are JSONB, which Python's
# older SQLite cannot read

acked, refused, unanswered = {}, set(), set()
for line in open(outcomes_file):
    _, key, status, pid = line.rstrip("\n").split("\t")
    if status == "201":
        acked[key] = pid
    elif status == "0":
        unanswered.add(key)
    else:
        refused.add(key)

stored = {}
for key, pid, n in db.execute("SELECT idempotency_key, min(id), count(*) FROM punches WHERE idempotency_key LIKE 'crash-%' GROUP BY idempotency_key"):
    stored[key] = (pid, n)

lost = [k for k in acked if k not in stored]
doubled = [k for k, (_, n) in stored.items() if n != 1]
wrong_id = [k for k, pid in acked.items() if k in stored and stored[k][0].lower() != pid.lower()]
refused_but_stored = [k for k in refused if k in stored]
in_flight_stored = sum(1 for k in unanswered if k in stored)
ledger_punches = db.execute("SELECT count(*) FROM ledger WHERE type = 'punch.created'").fetchone()[0]
all_punches = db.execute("SELECT count(*) FROM punches").fetchone()[0]

print(f"acknowledged (201): {len(acked)}; refused (4xx/5xx): {len(refused)}; no answer (in flight at the kill): {len(unanswered)}")
print(f"stored: {len(stored)}; acknowledged and stored once: {len(acked) - len(lost) - len(wrong_id)}; "
      f"lost: {len(lost)}; stored twice: {len(doubled)}; refused but stored: {len(refused_but_stored)}; "
      f"in flight and stored: {in_flight_stored}")
print(f"punches: {all_punches}; punch entries on the ledger: {ledger_punches}")
if lost:
    failures.append(f"{len(lost)} acknowledged punches are missing, e.g. {lost[:3]}")
if doubled:
    failures.append(f"{len(doubled)} keys stored more than once, e.g. {doubled[:3]}")
if wrong_id:
    failures.append(f"{len(wrong_id)} acknowledged ids differ from the stored ones, e.g. {wrong_id[:3]}")
if refused_but_stored:
    failures.append(f"{len(refused_but_stored)} refused punches were stored, e.g. {refused_but_stored[:3]}")
if ledger_punches != all_punches:
    failures.append(f"{all_punches} punches but {ledger_punches} punch entries on the ledger")
if not acked:
    failures.append("no punch was acknowledged: the burst did not run")
for f in failures:
    print("FAIL:", f, file=sys.stderr)
sys.exit(1 if failures else 0)
