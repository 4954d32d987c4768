# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rss?sslmode=disable
export DATABASE_URL

.PHONY: run test build db chromium vet bench clean screenshots

# The commit is stamped in for `rss version` (Go's own stamping may be off
# here: GOFLAGS=-buildvcs=false).
COMMIT := $(shell git describe --always --dirty=+modified --abbrev=40 2>/dev/null)

build:
	$(GO) build -ldflags "-X main.buildCommit=$(COMMIT)" -o bin/rss ./cmd/rss

# Start PostgreSQL when it is installed but down (the database itself is
# created by `rss migrate` when missing).
db:
	@scripts/ensure-postgres.sh

# Headless Chromium for the console's browser tests (Debian's package,
# installed when missing).
chromium:
	@scripts/ensure-chromium.sh

run: build db
	bin/rss migrate
	bin/rss seed -demo
	bin/rss demo-keys
	exec bin/rss serve

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy -diff

# The whole suite against real PostgreSQL; every test gets its own database
# cloned from a migrated, seeded template.
test: db chromium vet
	$(GO) test -race -count=1 -timeout 30m ./...

# Rewrite the console's screenshots (docs/screenshots/*.png) from the
# browser tests.
screenshots: db chromium
	$(GO) test -count=1 -run Browser ./console/ -args -update

bench: build db
	$(GO) test -run '^$$' -bench . -benchmem ./adjudication/ ./billing/... ./x12/

clean:
	rm -rf bin
