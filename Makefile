# geul: `make run` serves content/ on :8080, `make test` runs every test.
# Only Go and gcc are needed; tools come through go.mod.

export CGO_ENABLED := 1
# FTS5 (full-text search) is compiled into SQLite only with this tag.
export GOFLAGS := -tags=sqlite_fts5

BIN       := bin/geul
FUZZTIME  ?= 10s

.PHONY: all build run test fuzz bench docs vet clean

all: build

build:
	go build -o $(BIN) ./cmd/geul

run: build
	./$(BIN) serve --watch

test:
	go vet ./...
	go test -race -count=1 -timeout 20m ./...
	go test -run '^$$' -fuzz '^FuzzParseFile$$' -fuzztime $(FUZZTIME) ./internal/content
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/importer

fuzz:
	go test -run '^$$' -fuzz '^FuzzParseFile$$' -fuzztime 5m ./internal/content
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 5m ./internal/importer

bench:
	go test -run '^$$' -bench . -benchmem -count 1 -timeout 60m ./...

vet:
	go vet ./...

clean:
	rm -rf bin .geul
