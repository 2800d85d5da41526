# geul: `make run` serves content/ on 127.0.0.1:8080, `make test` runs every test.
# Only Go and gcc are needed; tools come through go.mod.

export CGO_ENABLED := 1
# FTS5 (full-text search) is compiled into SQLite only with this tag.
export GOFLAGS := -tags=sqlite_fts5

BIN       := bin/geul

.PHONY: all build run test fuzz fuzz-short bench bench-go soak docs docs-check vet stats clean

# The API's description: swag reads the annotations of internal/server and the
# types of api/ into docs/ (Swagger 2), and internal/openapi/gen turns that
# into openapi.yaml (OpenAPI 3), which the binary embeds and serves.
SWAG_DIRS := internal/server,api
SWAG      := go tool swag init --quiet -g docs.go -d $(SWAG_DIRS) --packageName docs --requiredByDefault

all: build

build:
	go build -o $(BIN) ./cmd/geul

run: build
	./$(BIN) serve --watch

# Every fuzz target, as target:package:executions. make test runs each for
# its count of executions (about five seconds on an idle 2-core machine);
# make fuzz runs each for FUZZLONG.
#
# make test counts executions rather than time on purpose: Go 1.26's fuzzing
# coordinator can report a bare "context deadline exceeded" failure, with no
# failing input, when -fuzztime's deadline passes while a worker is busy on a
# loaded machine (golang/go#75804, fixed in Go 1.27). A count has no deadline.
FUZZ_TARGETS = FuzzParseFile:./internal/content:100000 FuzzParse:./internal/importer:40000 \
	FuzzSearch:./internal/server:10000 FuzzRender:./internal/markdown:50000 \
	FuzzQueryParam:./internal/server:20000 FuzzWordText:./internal/store:20000

test: docs-check
	go vet ./...
	go test -race -count=1 -timeout 20m ./...
	$(MAKE) --no-print-directory fuzz-short

FUZZLONG ?= 5m
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		name=$${t%%:*}; rest=$${t#*:}; pkg=$${rest%%:*}; \
		echo "go test -run '^$$' -fuzz '^$$name$$' -fuzztime $(FUZZLONG) $$pkg"; \
		go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZLONG) $$pkg; \
	done

fuzz-short:
	@set -e; for t in $(FUZZ_TARGETS); do \
		name=$${t%%:*}; rest=$${t#*:}; pkg=$${rest%%:*}; n=$${rest#*:}; \
		echo "go test -run '^$$' -fuzz '^$$name$$' -fuzztime $${n}x $$pkg"; \
		go test -run '^$$' -fuzz "^$$name\$$" -fuzztime $${n}x $$pkg; \
	done

# One table of every indexing and serving figure on the 10,000-post corpora,
# each against its baseline measured in the same run, alternating (see
# internal/indexbench; Hugo when installed, else skipped with the reason).
# GEUL_BENCH_POSTS / GEUL_BENCH_REPEATS make it smaller or longer,
# GEUL_BENCH_DIR keeps the corpora and indexes, GEUL_BENCH_SERVE=0 leaves
# out the serving figures. docs/benchmarks.md holds the latest table.
bench:
	go run ./internal/indexbench table

# Every Go benchmark, one package at a time (-p 1): the big ones
# (internal/index, cmd/geul: the 10,000-post corpus) each take the machine,
# and their ratios are against baselines measured in the same run.
bench-go:
	go test -p 1 -run '^$$' -bench . -benchmem -count 1 -timeout 120m ./...

# An hour of load, edits, hostile files, SIGKILLs, a full disk and a deleted
# database against the real binary (see cmd/geul/soak_test.go); it prints
# the counts of requests, failures and integrity checks at the end.
# SOAKTIME=10m for a shorter one. The full disk is a tmpfs it mounts, and is
# skipped, with the reason printed, where it cannot mount one.
SOAKTIME ?= 1h
soak:
	GEUL_SOAK=$(SOAKTIME) go test -run '^TestSoak$$' -count=1 -timeout 0 -v ./cmd/geul

vet:
	go vet ./...

# Lines of non-test Go per package and the longest functions (see
# internal/devtools/codestats); STATS_VS=rev puts a git revision's beside them.
STATS_N  ?= 15
STATS_VS ?=
stats:
	go run ./internal/devtools/codestats -n $(STATS_N) $(if $(STATS_VS),-vs $(STATS_VS))

docs:
	$(SWAG) -o docs
	go run ./internal/openapi/gen -in docs/swagger.json -src $(SWAG_DIRS) -out openapi.yaml

# What swag writes into docs/; the rest of docs/ (content.md, deploy/) is
# written by hand.
SWAG_OUT := docs.go swagger.json swagger.yaml

# docs-check fails when docs/ or openapi.yaml differ from what make docs
# would write now: both are generated, never edited by hand.
docs-check:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(SWAG) -o "$$tmp/docs" && \
	go run ./internal/openapi/gen -in "$$tmp/docs/swagger.json" -src $(SWAG_DIRS) -out "$$tmp/openapi.yaml" && \
	stale=0; for f in $(SWAG_OUT); do cmp -s docs/$$f "$$tmp/docs/$$f" || { diff -u docs/$$f "$$tmp/docs/$$f" | head -40; stale=1; }; done; \
	if [ $$stale = 1 ] || ! diff openapi.yaml "$$tmp/openapi.yaml" >/dev/null; then \
		diff -u openapi.yaml "$$tmp/openapi.yaml" | head -40; \
		echo "docs/ or openapi.yaml is stale: run make docs and commit the result" >&2; exit 1; \
	fi

clean:
	rm -rf bin .geul
