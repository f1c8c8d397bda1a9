# Conveniences; the two commands of the README need none of this.
# just comes from npm: npm install -g rust-just

default:
    @just --list

# the test suite (the same command CI runs)
test:
    go test ./...

# formatting and vet
lint:
    test -z "$(gofmt -l $(git ls-files '*.go'))" || (gofmt -l $(git ls-files '*.go'); exit 1)
    go vet ./...

# the demo: generated national-scale data from fake source servers on loopback
demo:
    go run ./cmd/vpsau run --demo

# build the binary into ./vpsau
build:
    go build -o vpsau ./cmd/vpsau

# A warm-up, then count rounds of one run each, so that both sides of a comparison (vpsau
# and its floor) run in turn and see the shared machine alike; BenchmarkYear builds a year
# of nightly history once into .bench/ (10 to 50 minutes) and reuses it; the table of
# medians and ratios goes to bench.md, then the download API against nginx (count runs of
# each mix; skipped without nginx, which `just bench-api` installs).
# every benchmark of docs/benchmarks.md, with medians and ratios in bench.md
bench count="5":
    go test -run '^$' -bench '^Benchmark(Ingest|IngestHTTP|Night|Rules|XLSX|CSV)$' -benchtime 1x ./internal/... ./exports/ > /dev/null
    : > bench.txt
    for i in $(seq {{count}}); do go test -run '^$' -bench '^Benchmark(Ingest|IngestHTTP|Night|Rules|XLSX|CSV|Inbox)$' -benchmem -count 1 -timeout 4h ./internal/... ./exports/ ./fixtures/... | tee -a bench.txt; done
    go test ./internal/nightly/ -run '^$' -bench '^BenchmarkYear$/night' -benchtime 1x -count {{count}} -timeout 5h -yearcache .bench | tee -a bench.txt
    go test ./internal/nightly/ -run '^$' -bench '^BenchmarkYear$/delta' -benchtime 20x -count {{count}} -timeout 1h -yearcache .bench | tee -a bench.txt
    go run ./scripts/benchtable < bench.txt | tee bench.md
    if command -v nginx >/dev/null; then bash scripts/bench-api.sh 50 15 {{count}} | grep -v '^{' | tee -a bench.md; else echo "download API: skipped, nginx is not installed (just bench-api installs it)" | tee -a bench.md; fi

# a whole night and the ingest at a larger scale (10 or 100), against their floors
bench-scale scale="10" count="3":
    : > bench-{{scale}}.txt
    for i in $(seq {{count}}); do go test ./internal/nightly/ -run '^$' -bench '^Benchmark(Night|IngestHTTP)$' -count 1 -timeout 6h -nscale {{scale}} | tee -a bench-{{scale}}.txt; done
    for i in $(seq {{count}}); do go test ./internal/land/ -run '^$' -bench '^BenchmarkIngest$' -count 1 -timeout 6h -scale {{scale}} | tee -a bench-{{scale}}.txt; done
    go run ./scripts/benchtable < bench-{{scale}}.txt | tee bench-{{scale}}.md

# fuzz every target for a while each (default 30s). Go 1.26's fuzz coordinator can fail a
# target with a bare "context deadline exceeded" as -fuzztime runs out while a worker is
# busy (golang/go#75804, fixed in Go 1.27): that, with no new failing input written under
# testdata/fuzz/, is reported as such and does not fail the recipe; anything else does.
fuzz time="30s":
    #!/usr/bin/env bash
    set -euo pipefail
    failed=0
    inputs() { if [ -d "$1" ]; then ls "$1" | wc -l; else echo 0; fi; }
    for pkg in $(go list ./...); do
      dir=$(go list -f '{{{{.Dir}}' "$pkg")
      for t in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
        echo "== $pkg $t"
        before=$(inputs "$dir/testdata/fuzz/$t")
        log=$(mktemp)
        if go test -run '^$' -fuzz "^$t\$" -fuzztime {{time}} "$pkg" 2>&1 | tee "$log"; then :
        elif grep -q '^    context deadline exceeded$' "$log" && [ "$(inputs "$dir/testdata/fuzz/$t")" = "$before" ]; then
          echo "== $t: stopped by Go's fuzztime race (golang/go#75804), no failing input: not a failure"
        else
          failed=1
        fi
        rm -f "$log"
      done
    done
    exit $failed

# the download API against nginx serving the same files (docs/benchmarks.md): clients, seconds per run, runs
bench-api clients="50" seconds="15" reps="3":
    command -v nginx >/dev/null || apt-get install -y nginx
    bash scripts/bench-api.sh {{clients}} {{seconds}} {{reps}}
