# herd: thin wrappers over CMake and ctest. `make help` lists the targets.
SHELL := /bin/bash
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=
CTEST := ctest --output-on-failure --no-tests=error -j$(JOBS)

.PHONY: help deps configure build run test test-fast bench asan tsan format lint manifests fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

deps: ## install apt packages and tools (idempotent)
	@scripts/deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

configure: $(BUILD)/CMakeCache.txt

build: deps configure ## build everything into build/ (RelWithDebInfo)
	cmake --build $(BUILD) -j$(JOBS)

run: build ## install, build and run the main job
	@scripts/run.sh

test: build ## run every test (unit, sim, integration, e2e)
	cd $(BUILD) && $(CTEST)

test-fast: build ## run the unit and sim tests
	cd $(BUILD) && $(CTEST) -L 'unit|sim'

bench: build ## run the benchmarks; JSON lands in build/bench/
	@scripts/bench.sh $(BUILD)

# Sanitizer runs take every unit and sim test, with fewer random seeds (10x slower builds).
SAN_SEEDS := HERD_SIM_MAX_SEEDS=8 HERD_SEEDS=100

asan: deps ## build and run unit+sim tests under ASan+UBSan
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHERD_SANITIZER=address,undefined
	cmake --build build-asan -j$(JOBS) --target fast-tests
	cd build-asan && $(SAN_SEEDS) $(CTEST) -L 'unit|sim'

tsan: deps ## build and run unit+sim tests under TSan
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHERD_SANITIZER=thread
	cmake --build build-tsan -j$(JOBS) --target fast-tests
	cd build-tsan && $(SAN_SEEDS) $(CTEST) -L 'unit|sim'

fuzz: deps ## build the libFuzzer targets with clang, run each to FUZZ_RUNS (1M) executions
	@scripts/fuzz.sh

format: ## clang-format the C++ sources in place
	git ls-files '*.h' '*.cc' | xargs -r clang-format -i

lint: deps ## clang-format, clang-tidy, shellcheck, helm lint, manifest and image checks
	@scripts/lint.sh $(BUILD)

manifests: deps ## regenerate manifests/ from the chart
	@scripts/manifests.sh

clean: ## remove build directories
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
