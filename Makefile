# proofbox: the two commands a newcomer needs are `make run` and `make test`.
# Everything else (venv, Python packages, Debian's ffmpeg, generated stubs) is installed on demand.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP  := $(VENV)/.installed
PROTOS := $(wildcard protos/proofbox/v1/*.proto)
PYTEST_ARGS ?=

.PHONY: all run serve test fuzz check lint typecheck gen gen-check proto-lint bench bench-evidence bench-policy bench-server bench-batch bench-reuse bench-agreement bench-real-takes ffmpeg fonts venv clean demo i18n i18n-extract i18n-update i18n-compile i18n-check

all: test

## --- setup -----------------------------------------------------------------

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "proofbox needs Python 3.11 or newer"'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,all]'
	@touch $(STAMP)

venv: $(STAMP)

# Debian's ffmpeg (ffprobe + ffmpeg) when it is missing.
ffmpeg:
	@command -v ffprobe >/dev/null 2>&1 && command -v ffmpeg >/dev/null 2>&1 || { \
	  echo "ffmpeg not found: installing Debian's ffmpeg package"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg; }

# A CJK font (Debian's fonts-noto-cjk) for Chinese on contact sheets and plots, when none is installed.
fonts:
	@fc-list :lang=zh 2>/dev/null | grep -q . || ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1 || { \
	  echo "no CJK font found: installing Debian's fonts-noto-cjk package"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk; }

## --- translations (gettext catalogs managed with Babel; docs/i18n.md) ----------------------------

LOCALES := proofbox/locale
POT     := $(LOCALES)/proofbox.pot
I18N_KEYWORDS := -k Text -k translate -k N_ -k T_ -k F_:1c,2

# Message ids from the code into the template.
i18n-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg $(I18N_KEYWORDS) --no-location --sort-output --omit-header \
	  -o $(POT) proofbox server disputes/packs batch

# New and changed ids into every language's catalog (then translate the empty msgstr entries).
i18n-update: i18n-extract
	$(BIN)/pybabel update -i $(POT) -d $(LOCALES) -D proofbox --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date --width 100

# The .po catalogs compiled to the .mo files the package reads at run time (committed).
i18n-compile: $(STAMP)
	$(PY) -m proofbox.i18n.compile

i18n: i18n-update i18n-compile

# The catalogs are current: every id translated (tests/test_i18n.py), the .mo files compiled.
i18n-check: i18n-compile
	@git diff --exit-code --quiet -- $(LOCALES)/*/LC_MESSAGES/*.mo || { echo "compiled catalogs are stale: run 'make i18n-compile' and commit"; exit 1; }

## --- generated gRPC stubs ----------------------------------------------------

# One pinned generation command; the output is committed and `make gen-check` proves it is current.
# The mypy plugins (protoc-gen-mypy, protoc-gen-mypy_grpc) live in the venv's bin directory.
gen: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(PY) -m grpc_tools.protoc -I protos \
	  --python_out=. --grpc_python_out=. --mypy_out=. --mypy_grpc_out=. $(PROTOS)

gen-check: gen
	@git diff --exit-code -- proofbox/v1 || { echo "generated stubs are stale: run 'make gen' and commit"; exit 1; }

# buf's STANDARD + COMMENTS lint rules (protos/buf.yaml), fetched through npm; not part of `make check`
# because it needs the npm registry.
proto-lint:
	cd protos && npx --yes @bufbuild/buf lint

## --- run, test, check ------------------------------------------------------------

# Quick start, command 1: install everything and start the service with embedded defaults.
run: $(STAMP) ffmpeg fonts
	$(BIN)/proofbox serve

serve: run

# Quick start, command 2: the whole test suite.
test: $(STAMP) ffmpeg fonts
	$(PY) -m pytest $(PYTEST_ARGS)

# The fuzz tests (tests/*/test_fuzz*.py: every request message against a real server, the case JSON
# and JSON Lines parsers) at length; `make test` runs them briefly (20 examples each).
FUZZ_EXAMPLES ?= 1000
fuzz: $(STAMP)
	PROOFBOX_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/server/test_fuzz.py tests/batch/test_fuzz_parsers.py -q

lint: $(STAMP)
	$(BIN)/ruff check evidence disputes batch server proofbox tests bench
	$(BIN)/ruff format --check evidence disputes batch server proofbox tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck gen-check i18n-check

## --- benchmarks (figures and ratios, never pass/fail) --------------------------

# PySceneDetect is the peer baseline; installed without its GUI OpenCV dependency (we ship the headless one).
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install -q --no-deps 'scenedetect>=0.6.4'
	$(PY) -m pip install -q click platformdirs tqdm
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) ffmpeg
	$(PY) -m bench

bench-evidence bench-policy bench-server bench-batch bench-reuse: $(BENCH_STAMP) ffmpeg
	$(PY) -m bench $(subst bench-,,$@)

# Agreement of the four elements with the truth on domain-randomised videos (tuning and held-out
# seeds); contact sheets of every disagreement go to AGREEMENT_OUT. Rendered videos are cached.
AGREEMENT_SEEDS    ?= 6
AGREEMENT_VARIANTS ?= all
AGREEMENT_OUT      ?= bench/out/agreement
AGREEMENT_GROUPS   ?= tuning,held_out
bench-agreement: $(STAMP) ffmpeg
	$(PY) -m bench.agreement --seeds $(AGREEMENT_SEEDS) --variants $(AGREEMENT_VARIANTS) \
	  --out $(AGREEMENT_OUT) --groups $(AGREEMENT_GROUPS)

# The corpus's real continuous takes, each re-encoded many ways: any continuity finding is a false one.
bench-real-takes: $(STAMP) ffmpeg
	$(PY) -m bench.real_takes

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
