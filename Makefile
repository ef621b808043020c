# catlens — the front door. Every target installs what is missing first (scripts/bootstrap).
#   make build   compile (build/ and the web UI when present)
#   make run     demo data -> ETL -> snapshot; serves the UI at http://localhost:8080 once the app lands
#   make test    every test: unit + integration, plain and under ASan+UBSan
#   make bench   benchmarks; figures go to bench/RESULTS.md
#   make lint    format check, clang-tidy, banned functions
#   make fuzz    libFuzzer targets (clang) over tests/fuzz/corpus, FUZZ_SECONDS each
.PHONY: all build build-asan run test bench lint fuzz clean bootstrap

BUILD      ?= build
ASAN_BUILD ?= build-asan

all: build

bootstrap:
	@scripts/bootstrap

$(BUILD)/build.ninja: | bootstrap
	meson setup $(BUILD) --buildtype=debugoptimized

$(ASAN_BUILD)/build.ninja: | bootstrap
	meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined \
	    -Dc_args=-fno-sanitize-recover=all -Dc_link_args=-fno-sanitize-recover=all

build: bootstrap $(BUILD)/build.ninja
	ninja -C $(BUILD)

build-asan: bootstrap $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)

run: build
	scripts/run

test: build build-asan
	scripts/test $(BUILD) $(ASAN_BUILD)

bench: build
	scripts/bench

lint: bootstrap
	scripts/lint

fuzz: bootstrap
	@[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzzing=true \
	    -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debugoptimized
	ninja -C build-fuzz
	scripts/fuzz build-fuzz

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
