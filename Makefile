# dsim: the two set-up commands are `make run` and `make test`.
# This Makefile wraps CMake; the build lives in build/ (and build-san/ for the
# AddressSanitizer + UndefinedBehaviorSanitizer build that `make test` also runs).

BUILD      ?= build
SAN_BUILD  ?= build-san
SCENARIO   ?= scenarios/incident-2025-12-30.json
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
SECONDS    ?= 60
DEBS       := libgsl-dev libjansson-dev libcmocka-dev gnuplot-nox cmake pkg-config gcc make valgrind clang jq python3 python3-jsonschema libxml2-utils \
              slurmctld slurmd slurm-client munge parallel chromium libuv1-dev libwebsockets-dev zsh
CMAKE_ARGS ?=

MAKEFLAGS += --no-print-directory

.PHONY: all deps build build-san run test test-fast bench fuzz clean install

all: build

# Install what is missing (as root); otherwise print the exact command and stop.
deps:
	@missing=""; for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "dsim: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "dsim: missing packages:$$missing"; \
	    echo "run as root: apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

$(BUILD)/Makefile: deps CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)

build: deps
	@[ -f $(BUILD)/CMakeCache.txt ] || cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)

build-san: deps
	@[ -f $(SAN_BUILD)/CMakeCache.txt ] || cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DDSIM_SANITIZE=ON $(CMAKE_ARGS)
	cmake --build $(SAN_BUILD) -j $(JOBS)

run: build
	./$(BUILD)/dsim run $(SCENARIO)

# dsim, its man page and bash/zsh completions, the gnuplot scripts, the schemas
# and the core library into PREFIX (default /usr/local; DESTDIR stages it).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# The whole suite, then the whole suite again under ASan + UBSan.
test: build build-san
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(SAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 DSIM_SANITIZED=1 \
	  ctest --output-on-failure -j $(JOBS)

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@for b in $(BUILD)/bench/bench_*; do echo "== $$b"; $$b || exit 1; done
	@echo "== scripts/queueing-check.sh"; scripts/queueing-check.sh $(BUILD)/dsim
	@echo "== scripts/bench-instructions.sh"; scripts/bench-instructions.sh $(BUILD)

# Each libFuzzer harness in turn for SECONDS seconds (clang, ASan + UBSan), in
# build-fuzz/. New inputs go to build-fuzz/corpus_*; an input that crashes, leaks
# or hangs is saved into tests/fuzz/corpus_*/, which ctest replays from then on.
# Paths are absolute: fuzz_cli works in a sandbox folder of its own.
FUZZ_BUILD   ?= build-fuzz
FUZZ_TARGETS ?= scenario cli
FUZZ_FLAGS   ?= -timeout=10 -rss_limit_mb=2048
fuzz: deps
	@[ -f $(FUZZ_BUILD)/CMakeCache.txt ] || cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_BUILD_TYPE=Debug -DDSIM_FUZZ=ON $(CMAKE_ARGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_scenario fuzz_cli
	@rc=0; for h in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus_$$h; echo "== fuzz_$$h for $(SECONDS) s"; \
	  $(FUZZ_BUILD)/tests/fuzz/fuzz_$$h -dict=$(CURDIR)/tests/fuzz/$$h.dict -max_total_time=$(SECONDS) \
	    $(FUZZ_FLAGS) -max_len=65536 -close_fd_mask=3 -print_final_stats=1 \
	    -artifact_prefix=$(CURDIR)/tests/fuzz/corpus_$$h/ \
	    $(abspath $(FUZZ_BUILD))/corpus_$$h $(CURDIR)/tests/fuzz/corpus_$$h || rc=1; \
	done; exit $$rc

clean:
	rm -rf $(BUILD) $(SAN_BUILD) build-fuzz
