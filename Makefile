# vigil's front door. `make run` and `make test` are the two set-up commands
# of the README; both install what they need first.

CMAKE ?= cmake
JOBS  ?= $(shell nproc)
VIGIL_ARGS ?=

.PHONY: all deps build web debug asan run test unit integration fmt fuzz bench bench-hls bench-still bench-record clean

all: build

deps:
	@scripts/install-deps.sh
	@scripts/install-node-deps.sh

build: deps
	$(CMAKE) --preset release >/dev/null
	$(CMAKE) --build --preset release -j $(JOBS)

# The web console (web/): bundled by esbuild from node_modules into build/web,
# vigil's default consoleDir. Under a second; always rebuilt.
web: deps
	node web/build.mjs build/web

debug: deps
	$(CMAKE) --preset debug >/dev/null
	$(CMAKE) --build --preset debug -j $(JOBS)

asan: deps
	$(CMAKE) --preset asan >/dev/null
	$(CMAKE) --build --preset asan -j $(JOBS)

# Release build and the console, then the server on the embedded defaults
# (127.0.0.1:8080, ./data; the console at http://127.0.0.1:8080/), with a demo
# camera on the first start.
run: build web
	./build/release/vigil serve --demo $(VIGIL_ARGS)

# Every test (unit, then integration) against the ASan+UBSan build, ending
# with one summary line.
test: asan web
	@scripts/run-tests.sh build/asan

unit: asan
	@scripts/run-tests.sh build/asan unit

integration: asan web
	@scripts/run-tests.sh build/asan integration

fmt:
	@clang-format -i $$(git ls-files '*.c' '*.h')

# libFuzzer on every fuzz/fuzz_*.c for FUZZ_SECONDS each, on a scratch copy
# of its corpus; inputs that add coverage are merged back into fuzz/corpus/.
# (`make test` replays the committed corpora without clang.)
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/install-deps.sh fuzz
	CC=clang $(CMAKE) -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIGIL_FUZZ=ON >/dev/null
	$(CMAKE) --build build/fuzz -j $(JOBS)
	@set -e; for f in build/fuzz/fuzz_*; do \
	    name=$${f##*/fuzz_}; scratch=build/fuzz/work/$$name; \
	    rm -rf $$scratch; mkdir -p $$scratch; cp fuzz/corpus/$$name/* $$scratch/; \
	    echo "== fuzz $$name for $(FUZZ_SECONDS)s"; \
	    (cd build/fuzz && ./fuzz_$$name -max_total_time=$(FUZZ_SECONDS) work/$$name 2>&1 | tail -n 3); \
	    $$f -merge=1 fuzz/corpus/$$name $$scratch 2>&1 | tail -n 1; \
	done

# Benchmarks side by side with their peers; results in bench/results/ (bench/README.md).
bench: deps
	bench/ingest/run.sh
	bench/hls/run.sh
	bench/still/run.sh
	bench/record/run.sh

# The live HLS benchmark alone (about 7 minutes); e.g. BENCH_HLS_ARGS="--cameras 10 --seconds 20".
BENCH_HLS_ARGS ?=
bench-hls: deps
	bench/hls/run.sh $(BENCH_HLS_ARGS)

# Snapshot latency (cold, warm, vs ffmpeg per request) and the CPU of live JPEG
# (about 6 minutes); e.g. BENCH_STILL_ARGS="--key-samples 20 --parts 1".
BENCH_STILL_ARGS ?=
bench-still: deps
	bench/still/run.sh $(BENCH_STILL_ARGS)

# 24/7 recording (issue 7): 50 recorded cameras, CPU and write amplification vs one
# `ffmpeg -f segment` per camera, then retention over a million index rows (about
# 5 minutes); e.g. BENCH_RECORD_ARGS="--cameras 20 --parts 1".
BENCH_RECORD_ARGS ?=
bench-record: deps
	bench/record/run.sh $(BENCH_RECORD_ARGS)

# WebRTC fan-out: viewers of one 720p stream one core serves (vigil pinned to one CPU,
# bench/webrtc/whep_load on the other), then Janus side by side (about 20 minutes);
# e.g. BENCH_WEBRTC_ARGS="--counts 100,200 --peer none".
BENCH_WEBRTC_ARGS ?=
bench-webrtc: deps
	bench/webrtc/run.sh $(BENCH_WEBRTC_ARGS)

clean:
	rm -rf build
