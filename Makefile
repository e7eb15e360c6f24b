# vigil's front door. `make run` and `make test` are the two set-up commands
# of the README; both install what they need first.

CMAKE ?= cmake
JOBS  ?= $(shell nproc)
VIGIL_ARGS ?=

.PHONY: all deps build debug asan run test unit integration fmt bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(CMAKE) --preset release >/dev/null
	$(CMAKE) --build --preset release -j $(JOBS)

debug: deps
	$(CMAKE) --preset debug >/dev/null
	$(CMAKE) --build --preset debug -j $(JOBS)

asan: deps
	$(CMAKE) --preset asan >/dev/null
	$(CMAKE) --build --preset asan -j $(JOBS)

# Release build, then the server on the embedded defaults (127.0.0.1:8080, ./data).
run: build
	./build/release/vigil serve $(VIGIL_ARGS)

# Every test (unit, then integration) against the ASan+UBSan build, ending
# with one summary line.
test: asan
	@scripts/run-tests.sh build/asan

unit: asan
	@scripts/run-tests.sh build/asan unit

integration: asan
	@scripts/run-tests.sh build/asan integration

fmt:
	@clang-format -i $$(git ls-files '*.c' '*.h')

# Benchmarks arrive with the media issues; see bench/README.md.
bench:
	@cat bench/README.md

clean:
	rm -rf build
