# The two commands of the README:
#   make run   installs dependencies, builds the CLI only, tunes the bundled example, prints the result
#   make test  installs dependencies, builds everything, runs every test
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps configure build cli run test test-asan bench clean

all: build

deps:
	SYNETUNE_WITH_SLURM=1 ./scripts/install-deps.sh

configure: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null

# Only what `make run` runs: the CLI (no tests, no benchmarks).
cli: configure
	cmake --build $(BUILD) -j$(JOBS) --target synetune_cli

build: configure
	cmake --build $(BUILD) -j$(JOBS)

run: cli
	./$(BUILD)/synetune tune --config examples/default.json

test: build
	cd $(BUILD) && ctest --output-on-failure -j1

# The unit and component tests under AddressSanitizer + UndefinedBehaviorSanitizer (the
# end-to-end, Slurm and install suites run in `make test`; they spawn many processes and are slow here).
test-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSYNETUNE_SANITIZE=ON -DSYNETUNE_BUILD_BENCH=OFF >/dev/null
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j1 -E 'e2e|slurm|install'

bench: build
	./scripts/run-benchmarks.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-asan
