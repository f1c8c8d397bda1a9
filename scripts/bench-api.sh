#!/usr/bin/env bash
# Benchmark of the download API against nginx serving the same files (docs/benchmarks.md).
# A scale-1 night is generated and run once; then vpsau serve and an nginx (started here
# on a loopback port, with its config in a temp folder) take turns under the same bounded
# load: CLIENTS concurrent clients with their own tokens downloading for SECONDS, REPS times
# each, for two mixes: "files" (every data file of the receivers' scale-1 exports, 1.3 MB
# on average) and "small" (the manifests, ~1.6 KB: the cost per request). Prints one JSON
# line per run and a table of medians.
#
#   scripts/bench-api.sh [CLIENTS=50] [SECONDS=15] [REPS=3]
#
# Needs Debian's nginx (apt-get install -y nginx); nothing is sent beyond 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${1:-50}
SECONDS_EACH=${2:-15}
REPS=${3:-3}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "bench-api: nginx is not installed (apt-get install -y nginx)" >&2; exit 1; }

work=$(mktemp -d /tmp/vpsau-bench-api.XXXXXX)
chmod 755 "$work" # nginx's workers (www-data) read the exports
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/vpsau" ./cmd/vpsau
go build -o "$work/apiload" ./scripts/apiload
V="$work/vpsau"
DB="$work/v.duckdb"; OUT="$work/out"
echo "generating and running a scale-1 night ..." >&2
"$V" generate --scale 1 --seed 1 --as-of 2026-11-02 --out "$work/inbox" >/dev/null
"$V" run --inbox "$work/inbox" --as-of 2026-11-02 --db "$DB" --out "$OUT" >/dev/null
chmod -R a+rX "$OUT" # export folders are published 0700 (exports.Stage's MkdirTemp); nginx runs as www-data

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
API_PORT=$(free_port); NGX_PORT=$(free_port)

# Tokens: one per client, each client one of the five receivers in turn.
receivers=(dhp ksl saukontrollen nokkeltall varsler)
: > "$work/files.txt"; : > "$work/small.txt"; : > "$work/map.conf"
for i in $(seq 1 "$CLIENTS"); do
  r=${receivers[$(( (i - 1) % 5 ))]}
  tok=$("$V" token create "$r" "bench-$i" --db "$DB" 2>/dev/null)
  echo "\"Bearer $tok\" $r;" >> "$work/map.conf"
  id=$(ls "$OUT/$r" | grep -v '^\.' | tail -1)
  for f in "$OUT/$r/$id"/*; do
    name=$(basename "$f")
    if [ "$name" = manifest.json ]; then
      echo "$tok /v1/receivers/$r/exports/$id/$name" >> "$work/small.txt"
    else
      echo "$tok /v1/receivers/$r/exports/$id/$name" >> "$work/files.txt"
    fi
  done
done
cat > "$work/vpsau.toml" <<TOML
[serve]
rate_per_minute = 100000000
rate_burst = 1000000
TOML

# nginx: same paths, the same bearer tokens (one map lookup), sendfile, access log buffered
# as vpsau buffers its audit log.
mkdir -p "$work/nginx/tmp"
cat > "$work/nginx/nginx.conf" <<NGX
daemon off;
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log $work/nginx/access.log combined buffer=64k flush=5s;
  client_body_temp_path $work/nginx/tmp; proxy_temp_path $work/nginx/tmp;
  fastcgi_temp_path $work/nginx/tmp; uwsgi_temp_path $work/nginx/tmp; scgi_temp_path $work/nginx/tmp;
  sendfile on; tcp_nopush on; keepalive_requests 100000; keepalive_timeout 120s;
  types { text/csv csv; application/json json; application/vnd.openxmlformats-officedocument.spreadsheetml.sheet xlsx; }
  map_hash_bucket_size 256;
  map \$http_authorization \$token_receiver { default ""; include $work/map.conf; }
  server {
    listen 127.0.0.1:$NGX_PORT;
    location ~ ^/v1/receivers/(?<rcv>[a-z]+)/exports/(?<eid>[0-9A-Za-z._-]+)/(?<fname>[0-9A-Za-z._-]+)\$ {
      if (\$token_receiver = "") { return 401; }
      if (\$token_receiver != \$rcv) { return 403; }
      alias $OUT/\$rcv/\$eid/\$fname;
    }
  }
}
NGX
"$NGINX" -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=($!)
"$V" serve --config "$work/vpsau.toml" --db "$DB" --out "$OUT" --inbox "$work/inbox" --listen "127.0.0.1:$API_PORT" 2>"$work/serve.log" &
pids+=($!)
for port in "$API_PORT" "$NGX_PORT"; do
  up=""
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/"; then up=1; break; fi
    sleep 0.1
  done
  [ -n "$up" ] || { echo "bench-api: nothing listens on 127.0.0.1:$port" >&2; cat "$work/nginx/error.log" "$work/serve.log" >&2; exit 1; }
done
sleep 3 # serve's first token load

results="$work/results.jsonl"
for mix in files small; do
  for rep in $(seq 1 "$REPS"); do
    for server in vpsau nginx; do
      port=$API_PORT; [ "$server" = nginx ] && port=$NGX_PORT
      "$work/apiload" -base "http://127.0.0.1:$port" -paths "$work/$mix.txt" -c "$CLIENTS" -d "${SECONDS_EACH}s" \
        -label "$server $mix $rep" | tee -a "$results"
    done
  done
done

python3 - "$results" "$CLIENTS" "$SECONDS_EACH" "$REPS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
clients, secs, reps = sys.argv[2:5]
print(f"\n{clients} clients, {secs} s per run, {reps} runs each; medians:\n")
print("| mix | server | req/s | MB/s | p50 ms | p99 ms | errors |")
print("|---|---|---|---|---|---|---|")
for mix in ("files", "small"):
    med = {}
    for server in ("vpsau", "nginx"):
        rs = [r for r in rows if r["label"].split()[:2] == [server, mix]]
        m = {k: statistics.median(r[k] for r in rs) for k in ("req_per_s", "mb_per_s", "p50_ms", "p99_ms")}
        m["errors"] = sum(r["errors"] for r in rs)
        med[server] = m
        print(f"| {mix} | {server} | {m['req_per_s']:.0f} | {m['mb_per_s']:.0f} | {m['p50_ms']:.1f} | {m['p99_ms']:.1f} | {m['errors']} |")
    print(f"| {mix} | **vpsau / nginx** | **{med['vpsau']['req_per_s'] / med['nginx']['req_per_s']:.2f}** | | | | |")
PY
