# MetaMLIP — two commands on a fresh Debian machine:
#   make demo   set-up, release build, and the main job on the shipped example manifest
#   make test   set-up and the full test suite (with libmetamlip-c, which the Python package's test loads)
SWIFT ?= swift
DATA ?= $(if $(METAMLIP_DATA),$(METAMLIP_DATA),../shared/datasets)
OUT ?= out
# Pretrainings, refits and scans/MD of a study that run at once (one BLAS thread each).
JOBS ?= $(shell nproc 2>/dev/null || echo 1)

.PHONY: setup build release library test demo bench clean data

setup:
	@bash scripts/setup.sh

# The QM data the demo and the tests read (datasets/README.md says where each file comes from);
# checked before the minutes of building.
data:
	@test -d "$(DATA)" || { echo "make: no data at $(DATA): put the shared datasets there or set METAMLIP_DATA=/path/to/datasets (python3 scripts/fetch-data.py downloads the public files; datasets/README.md lists their origins)" >&2; exit 1; }

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

# libmetamlip-c (.build/release/libmetamlip-c.so): the C interface (Sources/MetaMLIPC/include/metamlip.h)
# that the Python package (pip install ./python) loads.
library: setup
	$(SWIFT) build -c release --product metamlip-c

test: data setup
	$(SWIFT) build --build-tests
	$(SWIFT) build --product metamlip-c
	$(SWIFT) test --skip-build --disable-xctest

# The toy-scale study: pretrain four initialisations on the CHNO pool, refit to 3BPA,
# scan and simulate the refitted models, print the table (results in $(OUT)/quickstart;
# rerunning resumes/reuses them) and write the report to notebooks-export/quickstart/.
demo: data release
	@mkdir -p $(OUT)
	METAMLIP_DATA=$(DATA) .build/release/metamlip run experiments/quickstart.yaml -o $(OUT)/quickstart --jobs $(JOBS)

bench: setup
	$(SWIFT) run -c release AutodiffBenchmark

clean:
	rm -rf .build $(OUT)
