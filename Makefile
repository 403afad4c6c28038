# make demo   — set up, then download a few hundred images served on loopback into demo_output/
# make test   — set up, then run the C++ tests (ctest), a short fuzz run and the Python tests (pytest)
# make fuzz   — run every libFuzzer target longer (clang, build/fuzz)
# Every target runs scripts/setup.sh first: it installs what is missing and is idempotent.

VENV := .venv/bin
CPP_BUILD := build/cpp
DEV_BUILD := build/python
CPP_SOURCES := $(shell git ls-files 'cpp/*.h' 'cpp/*.cc' 2>/dev/null)
PY_SOURCES := python tests scripts bench

.PHONY: help setup reference-env roots-in-background wheels-in-background demo wheel test test-cpp test-fuzz test-python test-asan test-tsan fuzz bench bench-wan bench-fetch bench-image pack format lint clean

help:
	@echo "make demo        download sample images served on loopback into demo_output/"
	@echo "make test        C++ tests (ctest, also under ASan+UBSan and TSan), fuzz smoke, pytest"
	@echo "make test-asan   C++ tests under AddressSanitizer + UndefinedBehaviorSanitizer"
	@echo "make test-tsan   the engine's concurrency tests under ThreadSanitizer (clang)"
	@echo "make fuzz        every libFuzzer target for 200000 inputs (clang, build/fuzz)"
	@echo "make bench       end to end (dev build and wheel) and start-up next to the reference img2dataset (PyPI)"
	@echo "make bench-wan   wall-clock throughput over an emulated long, lossy link, next to the reference"
	@echo "make bench-fetch fetch-only throughput on loopback, engine next to plain libcurl"
	@echo "make bench-image compute-only image pipeline: fast and exact paths next to OpenCV"
	@echo "make wheel       a self-contained wheel (its shared libraries inside, manylinux tag), in dist/"
	@echo "make pack        wheel, packed environment and pex for cluster executors, in dist/"
	@echo "make format      clang-format and ruff format"
	@echo "make lint        clang-format check, clang-tidy, ruff"
	@echo "make clean       remove build outputs"

setup:
	@scripts/setup.sh

demo: setup
	$(VENV)/python scripts/demo.py

wheel: setup
	scripts/build_wheel.sh dist

pack: setup
	scripts/pack_for_cluster.sh dist all

test: setup roots-in-background wheels-in-background test-cpp test-asan test-tsan test-fuzz test-python

# The bare Debian roots of tests/test_clean_root.py (debootstrap: minutes of downloads and
# unpacking) and the self-contained wheels it installs there (about 11 minutes of compiling the
# first time, at a lower priority) are made while the other tests run; that test runs last and
# waits for them (locks).
roots-in-background: setup
	@mkdir -p build/roots
	@$(VENV)/python tests/support/clean_roots.py >build/roots/prepare.log 2>&1 &

wheels-in-background: setup
	@mkdir -p build/wheel
	@nice -n 10 scripts/build_wheel.sh build/wheel/dist cp311 abi3 >build/wheel/background.log 2>&1 &

# In the development build's folder (scripts/setup.sh: Release, warnings are errors): the tests
# link the engine the Python module is made of, compiled once.
test-cpp: setup
	cmake -S . -B $(DEV_BUILD) -DIMG2DATASET_BUILD_TESTS=ON >/dev/null
	cmake --build $(DEV_BUILD)
	ctest --test-dir $(DEV_BUILD) --output-on-failure -j2

test-fuzz: setup
	scripts/fuzz.sh 2000

# The differential tests compare with the reference img2dataset, pinned in
# bench/reference-requirements.txt, installed once into build/bench/reference-venv.
reference-env: setup
	$(VENV)/python -c 'import sys; sys.path.insert(0, "tests"); from support.reference_tool import ensure_reference; ensure_reference()'

test-python: setup reference-env
	$(VENV)/python -m pytest tests

# -O1, as sanitizer builds usually are: the suite runs in half the time of -O0, assertions on.
test-asan: setup
	cmake -S . -B build/asan -G Ninja -DIMG2DATASET_WERROR=ON -DIMG2DATASET_BUILD_TESTS=ON -DIMG2DATASET_SANITIZE=ON \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" >/dev/null
	ninja -C build/asan
	LSAN_OPTIONS="suppressions=$(CURDIR)/cpp/tests/lsan.supp" \
	  ctest --test-dir build/asan --output-on-failure -j2

# clang: GCC 12's libtsan crashes at start-up on this kernel. Reports inside uninstrumented
# third-party libraries would be suppressed in cpp/tests/tsan.supp. The TSan build has the tests
# of the engine's threads only (cpp/tests/CMakeLists.txt).
test-tsan: setup
	cmake -S . -B build/tsan -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DIMG2DATASET_WERROR=ON -DIMG2DATASET_BUILD_TESTS=ON \
	  -DIMG2DATASET_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	ninja -C build/tsan
	TSAN_OPTIONS="suppressions=$(CURDIR)/cpp/tests/tsan.supp halt_on_error=1" \
	  ctest --test-dir build/tsan --output-on-failure -j2

fuzz: setup
	FUZZ_SEED=0 scripts/fuzz.sh 200000

bench: setup
	$(VENV)/python bench/e2e_bench.py --wheel
	$(VENV)/python bench/startup_bench.py

bench-wan: setup
	$(VENV)/python bench/wan_bench.py

bench-fetch: setup
	$(VENV)/python bench/fetch_bench.py

bench-image: setup
	$(VENV)/python bench/image_bench.py

format: setup
	clang-format -i $(CPP_SOURCES)
	$(VENV)/ruff format $(PY_SOURCES)
	$(VENV)/ruff check --fix $(PY_SOURCES)

lint: setup
	clang-format --dry-run --Werror $(CPP_SOURCES)
	cmake -S . -B $(CPP_BUILD) -G Ninja -DIMG2DATASET_WERROR=ON -DIMG2DATASET_BUILD_TESTS=ON >/dev/null
	clang-tidy -p $(CPP_BUILD) --quiet $(filter-out cpp/python/%,$(filter %.cc,$(CPP_SOURCES)))
	$(VENV)/ruff check $(PY_SOURCES)
	$(VENV)/ruff format --check $(PY_SOURCES)

clean:
	rm -rf build demo_output
