# Agora Lab: `make run` installs everything and opens the lab; `make test` installs the test
# tools and runs the whole suite (what CI runs). See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# CPU build by default (small, and what CI uses). For an NVIDIA GPU, e.g.:
#   make install TORCH_SPEC="torch --index-url https://download.pytorch.org/whl/cu128"
TORCH_SPEC ?= torch==2.13.0
# llama.cpp's server (integration tests, benchmark) compiles for minutes: build its wheel
# once per machine into this cache, then every venv installs it in seconds.
WHEELS ?= $(HOME)/.cache/agora-lab/wheels
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CMAKE_ARGS ?= -DLLAVA_BUILD=OFF -DMTMD_BUILD=OFF
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run install install-test test lint bench screenshots package clean

run: install
	$(BIN)/agora-lab

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH_SPEC)
	$(BIN)/python -m pip install -q -e .
	touch $@

install-test: $(VENV)/.test-installed

$(VENV)/.test-installed: $(VENV)/.installed
	@mkdir -p $(WHEELS)
	@if ls $(WHEELS)/llama_cpp_python-$(LLAMA_CPP_VERSION)-*.whl >/dev/null 2>&1; then \
		echo "llama-cpp-python $(LLAMA_CPP_VERSION): using the cached wheel in $(WHEELS)"; \
	else \
		echo "llama-cpp-python $(LLAMA_CPP_VERSION): compiling once (several minutes), cached in $(WHEELS)"; \
		CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) \
			$(BIN)/python -m pip wheel -q --no-deps -w $(WHEELS) llama-cpp-python==$(LLAMA_CPP_VERSION); \
	fi
	$(BIN)/python -m pip install -q --find-links $(WHEELS) -e '.[test]'
	touch $@

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

clean:
	rm -rf $(VENV) build dist *.egg-info

package:
	packaging/build.sh
