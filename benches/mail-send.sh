#!/usr/bin/env bash
# The outbox sender's throughput (issue 12): N requests taken by mail into a test database,
# one public reply each (so N mails queued), then `hotro mail send --limit N` timed against a
# local aiosmtpd (Python; `pip install aiosmtpd`) that accepts and discards.
#
#   bash benches/mail-send.sh [N]        (default 1000; HOTRO_BIN=target/release/hotro)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
BIN=${HOTRO_BIN:-target/release/hotro}
T=$(mktemp -d)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m aiosmtpd -n -l "127.0.0.1:$PORT" -c aiosmtpd.handlers.Sink &
SMTP=$!
trap 'kill $SMTP 2>/dev/null || true; rm -rf "$T"' EXIT
{ cat config/hotro.toml; printf '\n[mail.smtp]\nurl = "smtp://127.0.0.1:%s"\n' "$PORT"; } >"$T/hotro.toml"
export HOTRO_NOW=2026-11-30T10:30:00+07:00
h() { "$BIN" --db "$T/hotro.db" --config "$T/hotro.toml" --lang en "$@"; }
h init --test >/dev/null
mkdir -p "$T/Maildir/new" "$T/Maildir/cur" "$T/Maildir/tmp"
for i in $(seq 1 "$N"); do
  printf 'From: user%s@kbnn.example\r\nTo: hotro@kbnn.example\r\nSubject: Request %s\r\nMessage-ID: <bench-send-%s@kbnn.example>\r\n\r\nPlease help %s\r\n' \
    "$i" "$i" "$i" "$i" >"$T/Maildir/new/$i.bench"
done
h --as hotro-mail mail fetch --maildir "$T/Maildir" >/dev/null
export HOTRO_NOW=2026-11-30T10:40:00+07:00
for key in $(h --as nguyenvanan ticket list --limit "$N" --format json | python3 -c 'import json, sys; print(" ".join(t["key"] for t in json.load(sys.stdin)))'); do
  h --as nguyenvanan ticket reply "$key" --text "Đã xử lý yêu cầu." >/dev/null
done
export HOTRO_NOW=2026-11-30T10:41:00+07:00
queued=$(h --as nguyenvanan mail status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["counts"].get("pending", 0))')
start=$(date +%s.%N)
h --as hotro-mail mail send --limit "$N" >/dev/null
end=$(date +%s.%N)
python3 -c "q = $queued; s = $end - $start; print(f'{q} mails sent in {s:.2f} s: {q / s:.1f} mails/s')"
