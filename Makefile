# catlens — the front door. Every target installs what is missing first (scripts/bootstrap).
#   make build   compile (build/) and the web UI (web/dist, served by catlens app)
#   make run     demo data -> ETL -> snapshot; serves the UI at http://localhost:8080 once the app lands
#   make test    every test: unit + integration, plain and under ASan+UBSan
#   make bench   benchmarks; figures go to bench/RESULTS.md
#   make lint    format check, clang-tidy, banned functions
#   make fuzz    every fuzz target under clang libFuzzer + ASan/UBSan, FUZZ_SECONDS each (default 60)
.PHONY: all build build-asan web run test bench lint fuzz clean bootstrap

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD)/build.ninja: | bootstrap
	meson setup $(BUILD) --buildtype=debugoptimized

$(ASAN_BUILD)/build.ninja: | bootstrap
	meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined \
	    -Dc_args=-fno-sanitize-recover=all -Dc_link_args=-fno-sanitize-recover=all

build: bootstrap $(BUILD)/build.ninja web
	ninja -C $(BUILD)

# The web UI: its own toolchain (npm ci, Debian chromium for its e2e tests); the C build never depends on it.
# Rebuilt only when a source, the lock file or a config file is newer than web/dist/index.html.
WEB_SOURCES := $(shell find web/src web/public web/index.html web/package-lock.json web/vite.config.ts \
                 web/tsconfig.json 2>/dev/null)
web: web/dist/index.html

web/dist/index.html: $(WEB_SOURCES)
	@scripts/bootstrap --web
	cd web && npm run --silent build

build-asan: bootstrap $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)

run: build
	scripts/run

test: build build-asan
	scripts/test $(BUILD) $(ASAN_BUILD)

bench: build
	scripts/bench

fuzz:
	@scripts/bootstrap --fuzz
	[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) --buildtype=debug -Dfuzzing=true \
	    -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link
	ninja -C $(FUZZ_BUILD)
	scripts/fuzz $(FUZZ_BUILD)

lint:
	@scripts/bootstrap --lint
	scripts/lint

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
