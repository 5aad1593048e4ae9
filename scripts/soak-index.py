#!/usr/bin/env python3
"""Soak of the search index (issue 19): a console open on a database, in a pseudo-terminal,
while other processes commit N changes (default 5,000) one `hotro ticket new` at a time, with
a `hotro kb search` every 100 changes (one more process syncing the index). Reports the
index's segment count, the time of a whole `hotro kb search` process (median of 5) and the
console's resident memory, before and after.

Not part of `cargo test` (it takes minutes). Run from the repository root:

    cargo build [--release]
    BIN=target/release/hotro scripts/soak-index.py [N] [TICKETS]

BIN defaults to target/debug/hotro; TICKETS (default 20,000) is the size of the demo desk.
"""
import json, os, statistics, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor

BIN = os.path.abspath(os.environ.get("BIN", "target/debug/hotro"))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
TICKETS = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
work = tempfile.mkdtemp(prefix="hotro-soak-")
db = os.path.join(work, "soak.db")
env = dict(os.environ, TERM="xterm", LANG="en_US.UTF-8")
for k in ("HOTRO_DB", "HOTRO_AS", "HOTRO_CONFIG"):
    env.pop(k, None)


def hotro(*args, check=True):
    r = subprocess.run([BIN, "--db", db, "--lang", "en", "--as", "nguyenvanan", *args],
                       env=env, capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit(f"hotro {' '.join(args)}: {r.returncode}\n{r.stderr}")
    return r


def segments():
    with open(os.path.join(db + ".search", "meta.json")) as f:
        return len(json.load(f)["segments"])


def search_ms():
    times = []
    for _ in range(5):
        t = time.perf_counter()
        hotro("kb", "search", "dang nhap tabmis")
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def console_pid():
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            cmd = open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"hotro") and db.encode() in cmd and b"kb" not in cmd \
                and b"ticket" not in cmd:
            return int(p)
    return None


def rss_mb(pid, field="VmRSS"):
    """Resident memory in MB: VmRSS (all), RssAnon (the heap) or RssFile (mapped files,
    the index segments among them: shared with the page cache)."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory(pid):
    return {k: round(rss_mb(pid, f), 1)
            for k, f in (("rss_mb", "VmRSS"), ("anon_mb", "RssAnon"), ("file_mb", "RssFile"))}


hotro("init", "--test")
hotro("demo", "--tickets", str(TICKETS), "--articles", "500")
hotro("kb", "search", "warm up")  # builds the index
cmd = f"{BIN} --db {db} --lang en --as nguyenvanan"
console = subprocess.Popen(["script", "-qfec", cmd, "/dev/null"], env=env,
                           stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
time.sleep(3)
pid = console_pid()
if pid is None:
    console.kill()
    sys.exit("the console did not start")
before = {"segments": segments(), "search_ms": search_ms(), "console": memory(pid)}
print("before", before, flush=True)
start = time.time()
most = before["segments"]


def one(i):
    hotro("ticket", "new", "--title", f"soak {i}: không đăng nhập được TABMIS lần {i}")


done = 0
with ThreadPoolExecutor(2) as pool:
    while done < N:
        batch = min(100, N - done)
        list(pool.map(one, range(done, done + batch)))
        done += batch
        hotro("kb", "search", f"soak {done}")
        most = max(most, segments())
        if done % 1000 == 0:
            print(f"{done} changes, {segments()} segments, console {memory(pid)}", flush=True)
time.sleep(3)  # the console takes up the last changes
after = {"segments": segments(), "most_segments": most, "search_ms": search_ms(),
         "console": memory(pid), "changes": N, "secs": round(time.time() - start)}
print("after", after, flush=True)
console.stdin.write(b"q")
console.stdin.flush()
try:
    console.wait(5)
except subprocess.TimeoutExpired:
    console.kill()
print(json.dumps({"bin": BIN, "before": before, "after": after}))
