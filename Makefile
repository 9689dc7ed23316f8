# Steward — the two commands: `make run` and `make test` (plus `make bench`).
# Both install what is missing on a fresh Debian machine: the wasm target, cargo-leptos,
# wasm-bindgen, npm packages, python's icalendar (the feed tests parse with it), chromium
# (tests only).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TARGET_DIR
# cargo-leptos builds debug with this flag; plain cargo commands use it too so that both share
# one build cache instead of rebuilding every crate in turn.
DEBUG_FLAGS := --cfg erase_components
LEPTOS_VERSION := 0.3.10
WASM_BINDGEN_VERSION := 0.2.130
# Faster installs of the build tools: their release profile would use full LTO otherwise.
TOOL_INSTALL_ENV := CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16

.PHONY: run test bench tools browser lint unit e2e build-release clean

# Release and debug builds keep their UI in separate site folders: a page served by one
# binary must load the wasm built with it, or hydration fails.
RELEASE_SITE := $(CURDIR)/target/site-release

run: tools build-release
	STEWARD_SITE_ROOT=$(RELEASE_SITE) $(CARGO_TARGET_DIR)/release/steward serve --demo

tools:
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@cargo leptos --version 2>/dev/null | grep -q "$(LEPTOS_VERSION)" || \
		$(TOOL_INSTALL_ENV) cargo install cargo-leptos --locked --version $(LEPTOS_VERSION)
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" || \
		$(TOOL_INSTALL_ENV) cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@[ -x node_modules/.bin/wasm-opt ] && [ -d node_modules/playwright-core ] && [ -d node_modules/axe-core ] || npm ci --no-audit --no-fund
	@python3 -c "import icalendar" 2>/dev/null || pip install --quiet icalendar==7.3.2

build-release:
	LEPTOS_SITE_ROOT=$(RELEASE_SITE) cargo leptos build --release

# Debian's chromium for the browser tests; under CI=true a missing browser is a failure.
browser:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; } || true
	@command -v chromium >/dev/null || { echo "chromium is missing: apt-get install chromium"; \
		[ "$${CI:-}" != true ] || exit 1; }

lint:
	cargo fmt --all --check
	RUSTFLAGS="$(DEBUG_FLAGS)" cargo clippy --workspace --all-targets -- -D warnings
	RUSTFLAGS="$(DEBUG_FLAGS)" cargo clippy -p steward-app --features hydrate --target wasm32-unknown-unknown -- -D warnings

# Unit and integration tests, on SQLite and PostgreSQL (see server/tests/api/helpers.rs).
unit:
	RUSTFLAGS="$(DEBUG_FLAGS)" cargo test --workspace

e2e: browser
	cargo leptos build
	STEWARD_BIN=$(CARGO_TARGET_DIR)/debug/steward node end2end/run.mjs

test: tools lint unit e2e

bench: tools build-release
	cargo build --release -p steward-server --example bench
	STEWARD_SITE_ROOT=$(RELEASE_SITE) $(CARGO_TARGET_DIR)/release/examples/bench $(CARGO_TARGET_DIR)/release/steward

clean:
	cargo clean
	rm -rf target/site
