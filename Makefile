# Pli — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
export OMP_THREAD_LIMIT := 1
# CI builds once, from scratch: incremental compilation would only cost disk there.
ifeq ($(CI),true)
export CARGO_INCREMENTAL := 0
endif
CARGO ?= cargo
PLI_DATA ?= $(HOME)/.local/share/pli
DEMO := assets/demo/lot-demo.pdf
# The conformance suite runs on PostgreSQL too: a throwaway cluster on loopback for the
# duration of the tests (Debian's pg_virtualenv; works as root, which initdb alone refuses).
PG := pg_virtualenv -v 15

.PHONY: all deps ui run run-headless serve test bench e2e bindings clean-demo

all: test

# System packages (Debian 12): installed when missing, sudo only when not root.
deps:
	@scripts/install-deps.sh

# The window's front end (TypeScript, Vite): installed from the lock file, built into ui/dist,
# which the desktop build embeds.
ui: deps
	@[ -d ui/node_modules ] && [ ui/node_modules/.package-lock.json -nt ui/package-lock.json ] || (cd ui && npm ci --no-audit --no-fund)
	cd ui && npm run build

# The desktop window on the default data folder, asking for the demo: on an empty data folder,
# the demo organisation and the demo batch, captured in the background (without PLI_DEMO=1
# an empty data folder has no account). Without a display: the headless pipeline.
run: deps
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(MAKE) --no-print-directory ui && $(CARGO) build -p pli-desktop && \
		PLI_DATA="$(PLI_DATA)" PLI_DEMO=1 ./target/debug/pli-desktop; \
	else \
		echo "Pas d'écran (DISPLAY/WAYLAND_DISPLAY vides) : la fenêtre ne peut pas s'ouvrir ;"; \
		echo "chaîne sans fenêtre sur le lot de démonstration. / No display: headless pipeline on the demo batch."; \
		$(MAKE) --no-print-directory run-headless; \
	fi

# Ingest the demo batch into the default data folder and search it.
run-headless: deps
	$(CARGO) build --release -p pli-cli
	./target/release/pli --data "$(PLI_DATA)" ingest "$(DEMO)"
	./target/release/pli --data "$(PLI_DATA)" search "objet"

# Pli in a browser: `pli serve` on a demo registry of its own (SQLite in $(PLI_SERVER_DATA),
# the demo accounts), at http://127.0.0.1:8080. An agency's server: see the README.
PLI_SERVER_DATA ?= $(HOME)/.local/share/pli-serveur
serve: ui
	$(CARGO) build --release -p pli-cli
	./target/release/pli --data "$(PLI_SERVER_DATA)" serve --demo

# Every test: the front end's (Vitest), then the workspace's (unit, whole-pipeline, real
# samples, PDF checks, the desktop's services, the registry on SQLite and PostgreSQL) and the desktop driven in a real WebKit
# webview (Xvfb, WebKitWebDriver, tauri-driver; screenshots in target/e2e/), and `pli serve` on PostgreSQL
# driven in headless Chromium (chromedriver; screenshots in target/e2e-browser/).
test: deps ui
	@command -v cargo-nextest >/dev/null || $(CARGO) install --locked cargo-nextest
	@command -v tauri-driver >/dev/null || $(CARGO) install --locked tauri-driver
	cd ui && npm test
	$(CARGO) fmt --check
	$(PG) $(CARGO) nextest run --no-fail-fast
	$(CARGO) test --doc

# The WebKit scenario alone (screenshots in target/e2e/).
e2e: deps ui
	@command -v tauri-driver >/dev/null || $(CARGO) install --locked tauri-driver
	$(CARGO) nextest run -p pli-desktop --test e2e --no-capture

# Regenerate ui/src/bindings from the Rust types (a test fails when they drift).
bindings:
	PLI_WRITE_BINDINGS=1 $(CARGO) test -p pli-app typescript_bindings

# Throughput, separator detection, memory, search: figures, not pass/fail.
bench: deps
	$(CARGO) build --release -p pli-cli -p pli-testkit
	./target/release/pli-bench
	$(CARGO) bench -p pli-store --bench search

clean-demo:
	rm -rf "$(PLI_DATA)"
