# Entry points: `make run` and `make test` do all set-up on a fresh Debian 12 machine.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
FUZZ_SECONDS ?= 30
DATA_DIR ?= ./data

.PHONY: all deps build run test test-release test-asan fuzz bench clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j$(JOBS)
	@echo "built $(BUILD_DIR)/gostly"

# MOCK on the demo library unless BACKEND_URL is set (then LEARN against it).
run: build
	@scripts/run.sh "$(BUILD_DIR)/gostly" "$(DATA_DIR)"

# Every test: release build (unit + integration), then the ASan+UBSan build of the same
# tests, then each fuzz target for FUZZ_SECONDS.
test: deps test-release test-asan fuzz

test-release: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS) --timeout 300

$(ASAN_DIR)/CMakeCache.txt: | deps
	CC=clang CXX=clang++ cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug \
	  -DGOSTLY_SANITIZE=ON -DGOSTLY_FUZZ=ON -DGOSTLY_BENCH=OFF

test-asan: deps $(ASAN_DIR)/CMakeCache.txt
	cmake --build $(ASAN_DIR) -j$(JOBS)
	cd $(ASAN_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS) --timeout 600

fuzz: deps $(ASAN_DIR)/CMakeCache.txt
	cmake --build $(ASAN_DIR) -j$(JOBS) --target gostly_fuzzers
	scripts/run-fuzzers.sh $(ASAN_DIR)/fuzz $(FUZZ_SECONDS)

bench: build
	@scripts/install-deps.sh --bench
	$(BUILD_DIR)/bench/gostly_library_bench
	bench/wrk/run.sh
	bench/seed/run.sh

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR)
