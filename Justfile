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

# benchmarks (docs/benchmarks.md); count = repetitions for medians
bench count="5":
    go test -run '^$' -bench . -benchmem -count {{count}} ./... | tee bench.txt

# fuzz every target for a while each (default 30s)
fuzz time="30s":
    #!/usr/bin/env bash
    set -euo pipefail
    for pkg in $(go list ./...); do
      for t in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
        echo "== $pkg $t"
        go test -run '^$' -fuzz "^$t\$" -fuzztime {{time}} "$pkg"
      done
    done
