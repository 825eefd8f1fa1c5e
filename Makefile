# Cascade — run `make` to list targets.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/cascade
DEMO_DATA := datasets/synth-demo

.DEFAULT_GOAL := help

.PHONY: help
help: ## list targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

build: ## build the cascade binary into bin/
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/cascade

.PHONY: demo
demo: build ## generate a synthetic market, replay it, run scenarios/demo.yaml into results/demo.duckdb and write results/demo-report.html
	$(BIN) gen --out $(DEMO_DATA) --start 2024-01-01 --end 2024-03-31 --scale 0.05 --seed 7
	$(BIN) replay --data $(DEMO_DATA) --exchange synth --symbol BTCUSDT --kinds trades,funding,oi
	$(BIN) run scenarios/demo.yaml
	$(BIN) sql --db results/demo.duckdb "select run_id, scenario, status, events, left(digest, 16) as digest from runs order by started_at"
	$(BIN) report --db results/demo.duckdb --latest demo --out results/demo-report.html

# make report SCENARIO=relief-rally-asymmetry RESULTS_DB=results/cascade.duckdb
SCENARIO   ?= demo
RESULTS_DB ?= results/$(SCENARIO).duckdb
REPORT     ?= results/$(SCENARIO)-report.html

.PHONY: report
report: build ## HTML report of a scenario's latest run (SCENARIO=demo RESULTS_DB=results/demo.duckdb REPORT=results/demo-report.html)
	$(BIN) report --db $(RESULTS_DB) --latest $(SCENARIO) --out $(REPORT)

.PHONY: test
test: ## run all tests (unit, golden, fuzz seeds, end-to-end)
	$(GO) vet ./...
	$(GO) test -count=1 ./...

.PHONY: synth
synth: build ## generate datasets/synth: three synthetic years (2022-2024) used by the example scenarios
	$(BIN) gen --out datasets/synth --start 2022-01-01 --end 2024-12-31 --scale 0.05 --seed 7

.PHONY: real-data
real-data: build ## import ../shared/data/real into datasets/real with the shipped mappings (idempotent)
	$(BIN) ingest real --shared ../shared/data/real --out datasets/real
	$(BIN) coverage --data datasets/real

.PHONY: real-history
real-history: real-data ## run scenarios/real into results/real.duckdb and write results/real-history.md (the tables of docs/real-history.md)
	$(BIN) batch scenarios/real --db results/real.duckdb --jobs 2
	$(BIN) validate recorded scenarios/real/liquidations-recorded.yaml | tee results/real-history-recorded.txt
	$(BIN) sql --db results/real.duckdb --format markdown --file docs/real-history.sql > results/real-history.md
	@echo results/real-history.md

.PHONY: validate
validate: build ## score the liquidation simulator against the synthetic truth (make synth first)
	$(BIN) validate synth --data datasets/synth --exchange synth --symbol BTCUSDT

.PHONY: nightly
nightly: build ## rerun every scenario in scenarios/ incrementally into results/cascade.duckdb, then prune to 3 runs per scenario
	$(BIN) batch scenarios --db results/cascade.duckdb --jobs 2
	$(BIN) prune --db results/cascade.duckdb --keep 3

.PHONY: testrace
testrace: ## run the tests with the race detector
	$(GO) test -race -count=1 ./...

.PHONY: testnocgo
testnocgo: ## engine and data packages build and pass without cgo
	CGO_ENABLED=0 $(GO) test -count=1 ./engine/... ./data/...

.PHONY: bench
bench: ## benchmarks, reported as ratios against baselines measured in the same run
	$(GO) test -run '^$$' -bench . -benchtime 3x -count 1 ./bench/
	$(GO) test -run '^$$' -bench . -benchtime 2x -count 1 ./results/duckdbsink/
	$(GO) test -run '^$$' -bench 'NoopStrategy|MACrossover4y1m' -count 1 ./engine/strategy/
	$(GO) test -run '^$$' -bench . -count 1 $$($(GO) list ./engine/... ./data/... | grep -v '/engine/strategy$$')

.PHONY: fuzz
fuzz: ## run each fuzz target for 30 s
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime 30s $$pkg || exit 1; \
	  done; \
	done

.PHONY: lint
lint: ## gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

.PHONY: clean
clean: ## remove built binaries, demo data and demo results
	rm -rf bin $(DEMO_DATA) results/demo.duckdb results/demo.duckdb.wal results/demo-report.html
