# Agora Lab: `make run` installs everything and opens the lab; `make test` installs the test
# tools and runs the whole suite (what CI runs). See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU build by default (small, and what CI uses). For an NVIDIA GPU, e.g.:
#   make install TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cu128"
TORCH_SPEC ?= torch==2.13.0
# llama.cpp (the embedded model's generation engine; its server for the integration tests and
# the benchmark) compiles for minutes: build its wheel once per machine into this cache, then
# every venv installs it in seconds. Not -march=native: that compiles AMX kernels, and a CPU
# that lists AMX under a hypervisor which does not enable it dies on "illegal instruction".
LLAMA_CPP_VERSION := 0.3.36
cpu_has = $(shell grep -qwE '$(1)' /proc/cpuinfo 2>/dev/null && echo $(2))
LLAMA_CPU_FLAGS := -DGGML_NATIVE=OFF \
	$(call cpu_has,avx2,-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON) \
	$(call cpu_has,avx512f,-DGGML_AVX512=ON) $(call cpu_has,avx512_vnni,-DGGML_AVX512_VNNI=ON) \
	$(call cpu_has,avx512vbmi|avx512_vbmi,-DGGML_AVX512_VBMI=ON) $(call cpu_has,avx512_bf16,-DGGML_AVX512_BF16=ON)
LLAMA_CMAKE_ARGS ?= -DLLAVA_BUILD=OFF -DMTMD_BUILD=OFF $(LLAMA_CPU_FLAGS)
# Keyed by the build flags: a wheel built with other flags is never picked up by mistake.
WHEELS ?= $(HOME)/.cache/agora-lab/wheels/$(shell echo '$(LLAMA_CMAKE_ARGS)' | sha256sum | cut -c1-12)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run install install-test install-test-x test lint bench screenshots package clean

run: install
	$(BIN)/agora-lab

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH_SPEC)
	@mkdir -p $(WHEELS)
	@if ls $(WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl >/dev/null 2>&1; then \
		echo "llama-cpp-python $(LLAMA_CPP_VERSION): using the cached wheel in $(WHEELS)"; \
	else \
		echo "llama-cpp-python $(LLAMA_CPP_VERSION): compiling once (several minutes), cached in $(WHEELS)"; \
		CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
			$(BIN)/python -m pip wheel -q --no-cache-dir --no-deps -w $(WHEELS) llama-cpp-python==$(LLAMA_CPP_VERSION); \
	fi
	$(BIN)/python -m pip install -q --find-links $(WHEELS) -e .
	touch $@

install-test: $(VENV)/.test-installed

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/python -m pip install -q --find-links $(WHEELS) -e '.[test]'
	touch $@

# The newcomer journey (tests/desktop/test_journey.py) runs the window on a real X server (Xvfb) with
# real input (xdotool); Qt's xcb platform needs these libraries. Debian/Ubuntu package names; CI runs
# this target as root (.ci/run). Without xvfb-run the journey test skips, saying so.
X_TEST_PACKAGES := xvfb xauth xdotool fonts-dejavu-core libegl1 libgl1 libglib2.0-0 libfontconfig1 \
	libdbus-1-3 libx11-xcb1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 \
	libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

install-test-x:
	$(SUDO) apt-get update -q
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(X_TEST_PACKAGES)

# The Qt tests also run in their own process: belt and braces, so that no Qt object left
# for the garbage collector can be freed on a torch worker thread (see tests/desktop/conftest.py).
test: install-test
	$(BIN)/python -m pytest --ignore=tests/desktop
	$(BIN)/python -m pytest tests/desktop

# Style, types and the import contracts (pyproject.toml: [tool.ruff], [tool.mypy], [tool.importlinter]).
lint: install-test
	$(BIN)/ruff check agents desktop tests
	$(BIN)/ruff format --check agents desktop tests
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install-test
	$(BIN)/python -m tests.bench

# Developer scripts (desktop/devtools/): the window, the planning panel, the interpretability panel.
screenshots: install
	for script in screenshots planning_screenshots interp_screenshots; do \
		xvfb-run -a -s "-screen 0 1600x1000x24" $(BIN)/python -m desktop.devtools.$$script out/screenshots || exit 1; \
	done
	AGORA_LAB_JOURNEY_SHOTS=out/screenshots $(BIN)/python -m pytest -q tests/desktop/test_journey.py

clean:
	rm -rf $(VENV) build dist *.egg-info

package:
	packaging/build.sh
