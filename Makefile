# Pli — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
export OMP_THREAD_LIMIT := 1
CARGO ?= cargo
PLI_DATA ?= $(HOME)/.local/share/pli
DEMO := assets/demo/lot-demo.pdf

.PHONY: all deps run test bench e2e clean-demo

all: test

# System packages (Debian 12): installed when missing, sudo only when not root.
deps:
	@scripts/install-deps.sh

# Ingest the demo batch into the default data folder and search it.
run: deps
	$(CARGO) build --release -p pli-cli
	./target/release/pli --data "$(PLI_DATA)" ingest "$(DEMO)"
	./target/release/pli --data "$(PLI_DATA)" search "objet"

# Every test of the workspace: unit, whole-pipeline, real samples, PDF checks; and the
# desktop shell must build.
test: deps
	@command -v cargo-nextest >/dev/null || $(CARGO) install --locked cargo-nextest
	$(CARGO) fmt --check
	$(CARGO) nextest run --no-fail-fast
	$(CARGO) test --doc
	$(CARGO) build -p pli-desktop

# The desktop in a real WebKit webview (Xvfb, WebKitWebDriver, tauri-driver); a
# screenshot lands in target/e2e/. Joins `make test` with the desktop issue.
e2e: deps
	@command -v tauri-driver >/dev/null || $(CARGO) install --locked tauri-driver
	$(CARGO) test -p pli-desktop --test e2e -- --ignored

# Throughput, separator detection, memory, search: figures, not pass/fail.
bench: deps
	$(CARGO) build --release -p pli-cli -p pli-testkit
	./target/release/pli-bench
	$(CARGO) bench -p pli-store --bench search

clean-demo:
	rm -rf "$(PLI_DATA)"
