# The two commands of the README:
#   make run   installs dependencies, builds, tunes the bundled example and prints the result
#   make test  installs dependencies, builds, runs every test
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build run test test-asan bench clean

all: build

deps:
	SYNETUNE_WITH_SLURM=1 ./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

run: build
	./$(BUILD)/synetune tune --config examples/default.json

test: build
	cd $(BUILD) && ctest --output-on-failure -j1

# Same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSYNETUNE_SANITIZE=ON -DSYNETUNE_BUILD_BENCH=OFF >/dev/null
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ctest --output-on-failure -j1

bench: build
	./scripts/run-benchmarks.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-asan
