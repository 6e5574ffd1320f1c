# Silo: `make run` starts the whole system; `make test` runs every test. Both install what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
APT_PACKAGES := pkg-config libsqlite3-dev libvips-dev libjpeg-dev zlib1g-dev fonts-wqy-zenhei ffmpeg
# nginx balances the two-gateway cluster in tests and in `make run-cluster`; PostgreSQL 15 is on the image,
# Ceph is installed by scripts/with-rgw.sh.
CLUSTER_APT_PACKAGES := nginx-light systemd
BENCH_APT_PACKAGES := nginx-light wrk
# `make image` and its smoke test in `make test`: a Debian root file system and buildah, no Docker engine.
IMAGE_APT_PACKAGES := buildah mmdebstrap curl
# The uploader page's tests drive Debian's Chromium through playwright (never `playwright install`).
BROWSER_APT_PACKAGES := chromium
DATA_DIR ?= ./data
ADDRESS ?= 127.0.0.1:9000
STS_ADDRESS ?= 127.0.0.1:9100
APP_ADDRESS ?= 127.0.0.1:9200

.PHONY: help deps cluster-deps bench-deps image-deps browser-deps venv run-cluster build build-release test test-swift test-compat test-upstream test-fuzz-replay test-image test-sdk-crypto3 docs image run bench fuzz clean

help:
	@echo "make run    - install what is missing, build, start Silo (OSS + STS) and the app server with a demo bucket, role and user"
	@echo "make test   - install what is missing, run swift test and the real-SDK compatibility suites"
	@echo "make run-cluster - the same storage as two gateways on PostgreSQL + Ceph RGW behind nginx (throwaway)"
	@echo "make bench  - Silo against nginx on loopback, printed as ratios"
	@echo "make image  - the container image (deploy/container/Containerfile) with buildah, smoke-tested: /readyz and one upload"
	@echo "make fuzz   - every parser of untrusted bytes under libFuzzer + ASan, FUZZ_SECONDS each (default 60)"

# Debian packages, installed only when missing (sudo when not root).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q $$missing; \
	fi

cluster-deps:
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(APT_PACKAGES) $(CLUSTER_APT_PACKAGES)"

bench-deps:
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(APT_PACKAGES) $(BENCH_APT_PACKAGES)"

image-deps:
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(APT_PACKAGES) $(IMAGE_APT_PACKAGES)"

browser-deps:
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(APT_PACKAGES) $(BROWSER_APT_PACKAGES)"

# The Python venv for the compatibility suites, rebuilt when requirements change.
$(VENV)/.stamp: compat/requirements.txt
	@test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --quiet --upgrade pip
	$(VENV_PY) -m pip install --quiet -r compat/requirements.txt
	@touch $@

venv: $(VENV)/.stamp

# Debug builds compile C dependencies (BoringSSL, libjpeg glue) optimised: at -O0 one scrypt
# password hash (N=2^17) takes ~4 s, which makes sign-in tests time out on a loaded 2-core runner.
# Swift code stays at -Onone, so debugging and assertions are unchanged.
SWIFT_DEBUG_FLAGS = -Xcc -O2

# The root package builds only what its tests need (SiloPackageTests: SiloCore, SiloClient, the example's kit): its
# NIO transport, SiloClientAHC, compiles in the Server build, whose tests drive it, so NIO, BoringSSL and
# AsyncHTTPClient are not compiled twice (half the root build's time).
build: deps
	swift build --product SiloPackageTests $(SWIFT_DEBUG_FLAGS)
	swift build --build-tests $(SWIFT_DEBUG_FLAGS) --package-path Server

build-release: deps
	swift build -c release --package-path Server --product silo

# Suites that need a database or an object store run beside a throwaway PostgreSQL cluster and single-node Ceph
# RGW: each script installs what is missing, starts its server on a free loopback port, exports its URL
# (SILO_TEST_POSTGRES_URL, SILO_TEST_S3_URL) and stops it afterwards. `make test` starts them once for all.
WITH_SERVICES = $(if $(SILO_TEST_POSTGRES_URL),,scripts/with-postgres.sh) $(if $(SILO_TEST_S3_URL),,scripts/with-rgw.sh)

TEST_PHASES = test-swift test-sdk-crypto3 docs test-fuzz-replay test-compat test-upstream test-image

# Each phase prints what it took, so a slow run says where its time went.
test: build venv cluster-deps image-deps browser-deps
	$(WITH_SERVICES) sh -c 'for phase in $(TEST_PHASES); do started=$$(date +%s); \
		$(MAKE) --no-print-directory $$phase || exit $$?; \
		echo "make test: $$phase took $$(( $$(date +%s) - started )) s"; done'

# The container image built and smoke-tested from the debug binary (packaging is what is tested; `make image`
# packages the release build).
test-image: image-deps
	SILO_BIN=Server/.build/debug/silo scripts/build-image.sh

image: build-release image-deps
	scripts/build-image.sh

# Suites whose assertions rest on real time (STS tokens that expire seconds after they are vended, on the
# server's clock) run after the others, alone in their process: during the parallel run the other suites' CPU
# work (CRCs of a gibibyte, image decoding) fills the process's cooperative threads, one per core, and a request
# signed in its token's last seconds could wait past the expiry before it is sent (seen once in CI).
REAL_TIME_SUITES = AuthServerRefreshTests

test-swift:
	swift test --skip-build $(SWIFT_DEBUG_FLAGS)
	$(WITH_SERVICES) sh -c 'swift test --skip-build $(SWIFT_DEBUG_FLAGS) --package-path Server --skip "$(REAL_TIME_SUITES)" \
		&& swift test --skip-build $(SWIFT_DEBUG_FLAGS) --package-path Server --filter "$(REAL_TIME_SUITES)"'

# DocC for the SDK (the getting-started article and every public symbol) into .build/docs; make test builds it
# too, so a broken symbol link fails the run. The plugin builds SiloClient first: with the debug build's flags it
# reuses that build instead of compiling every dependency again with other flags (three minutes on 2 cores).
docs:
	swift package $(SWIFT_DEBUG_FLAGS) --allow-writing-to-directory .build/docs generate-documentation --target SiloClient \
		--output-path .build/docs --warnings-as-errors --transform-for-static-hosting --hosting-base-path SiloClient

# SiloClient beside Alibaba Cloud's Swift SDK v2, which pins swift-crypto below 4: it must build and work with 3.x.
test-sdk-crypto3:
	cd Tests/SwiftCrypto3 && swift build $(SWIFT_DEBUG_FLAGS) && ./.build/debug/SwiftCrypto3Check

# The C JPEG decoder's fuzz corpus and regressions under ASan + UBSan (the Swift targets replay in test-swift).
test-fuzz-replay: deps
	Fuzz/jpeg/run.sh replay

FUZZ_SECONDS ?= 60
fuzz: deps
	Fuzz/run.sh fuzz $(FUZZ_SECONDS)

# Our own suites: real oss2 against a spawned silo (free port, temporary data folder). Each file runs whole on one
# of two workers (its module's servers start once): the suites spend about half their time waiting on servers and
# processes, so two side by side take two thirds of the time one does (424 s instead of 635 s here).
test-compat: venv
	$(WITH_SERVICES) $(VENV_PY) -m pytest -p no:cacheprovider -q -n 2 --dist loadfile compat

# oss2 2.19.1's own tests/, fetched from PyPI, under v1 and v4 signatures.
test-upstream: venv
	$(VENV_PY) compat/upstream/run_upstream.py

run: build-release venv
	DATA_DIR=$(DATA_DIR) ADDRESS=$(ADDRESS) STS_ADDRESS=$(STS_ADDRESS) APP_ADDRESS=$(APP_ADDRESS) scripts/run-stack.sh

run-cluster: build-release cluster-deps
	scripts/with-postgres.sh scripts/with-rgw.sh scripts/run-cluster.sh

bench: bench-deps build-release venv
	$(VENV_PY) bench/run_bench.py
	scripts/with-postgres.sh scripts/with-rgw.sh $(VENV_PY) bench/cluster_bench.py
	cd bench/micro && swift package --disable-sandbox benchmark --format markdown --no-progress

clean:
	rm -rf .build Server/.build Tests/SwiftCrypto3/.build bench/micro/.build Fuzz/swift/.build Fuzz/jpeg/.build Fuzz/.work $(VENV) compat/.upstream bench/.work
