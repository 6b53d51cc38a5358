# MetaMLIP — two commands on a fresh Debian machine:
#   make demo   set-up, release build, and the main job on the shipped example manifest
#   make test   set-up and the full test suite
SWIFT ?= swift
DATA ?= $(if $(METAMLIP_DATA),$(METAMLIP_DATA),../shared/datasets)
OUT ?= out

.PHONY: setup build release test demo bench clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest

demo: release
	@mkdir -p $(OUT)
	METAMLIP_DATA=$(DATA) .build/release/metamlip data build datasets/chno-pretraining.yaml -o $(OUT)/chno-pretraining.h5
	METAMLIP_DATA=$(DATA) .build/release/metamlip data build datasets/3bpa-refit.yaml -o $(OUT)/3bpa-refit.h5
	.build/release/metamlip data inspect $(OUT)/chno-pretraining.h5
	.build/release/metamlip data inspect $(OUT)/3bpa-refit.h5

bench: setup
	$(SWIFT) run -c release AutodiffBenchmark

clean:
	rm -rf .build $(OUT)
