# The two commands a new user runs: `make run` and `make test`.
JOBS ?= $(shell nproc)
APP ?= examples/hello
PORT ?= 7071
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: run test deps build-release build-debug bench clean format check-clock

deps:
	@bash scripts/install-deps.sh

build-release: deps
	@cmake -S . -B build-release $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DSQUALL_BUILD_TESTS=OFF -DSQUALL_BUILD_FUZZ=OFF >/dev/null
	@cmake --build build-release -j $(JOBS) --target squall bench-handler

run: build-release
	./build-release/bin/squall start $(APP) --port $(PORT)

build-debug: deps
	@cmake -S . -B build-debug $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DSQUALL_SANITIZE=ON >/dev/null
	@cmake --build build-debug -j $(JOBS)

# A failed test runs once more before it counts: integration tests start real processes on a
# small shared machine; one that fails twice fails the run.
test: build-debug check-clock
	@bash scripts/test-deps.sh
	cd build-debug && ctest --output-on-failure -j $(JOBS) --timeout 300 --repeat until-pass:2

check-clock:
	@bash scripts/check-clock.sh

bench: build-release
	SQUALL_BENCH_DEPS=1 bash scripts/install-deps.sh
	bash bench/http.sh

format:
	@clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf build-release build-debug

# Queue benchmark (issue 5): embedded storage against Azurite in one run (bench/queue.sh builds
# build-release with -DSQUALL_BUILD_BENCH=ON for its fill tool).
.PHONY: bench-queue
bench-queue: deps
	bash bench/queue.sh
