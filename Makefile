# jwtgate: nginx JWT gateway module.
#
#   make                 the module: build/ngx_http_auth_jwt_module.so
#   make test            unit tests (cmocka) and Test::Nginx suites
#   make test-matrix     every suite on nginx 1.22, 1.24, 1.26, 1.30, 1.31
#   make prove-real      every suite under the real Test::Nginx (openresty's)
#   make valgrind        the hostile-request suites with nginx under valgrind
#   make test-asan       every suite on nginx + module built with ASan+UBSan
#   make demo            nginx + module + upstream on localhost, walked through
#   make unit            the core's unit tests only (SANITIZE=1: ASan+UBSan)
#   make layers          the glue calls only down its stack (tools/layers.py)
#   make test SANITIZE=1 all of make test, the unit tests and test-asan
#                        with ASan+UBSan
#   make deps            install the Debian packages everything needs
#   make install         the module, and jwtgate-jwks and jwtgate-mint in
#                        $(DESTDIR)$(BINDIR) (BINDIR=$(PREFIX)/bin, PREFIX=/usr/local)
#   make deb             build/deb/libnginx-mod-http-auth-jwt_VERSION_ARCH.deb
#                        (debian/, debhelper + dh_nginx), checked by lintian
#   make deb-test        make deb, then install, enable, serve, purge it
#   make soak            wrk 60 s; issuer down, key rotated, nginx reloaded
#   make fuzz-http       hostile HTTP/1.x and HTTP/2 requests, invariants checked
#   make bench           wrk: req/s and worker µs/request with and without the module (BENCH_SECONDS, BENCH_QUICK=1)
#   make NGINX_SRC=/path/to/nginx-1.x.y    build against another nginx tree
#   make V=1             verbose build

NGINX_SRC ?= /usr/share/nginx/src
NGINX_BIN ?= /usr/sbin/nginx
BUILD     ?= build
MODULE     = $(BUILD)/ngx_http_auth_jwt_module.so

CC        ?= cc
CORE_SRCS  = $(wildcard src/jwt/*.c)
CORE_HDRS  = $(wildcard src/jwt/*.h)
CORE_LIBS  = -ljansson -lcrypto
CORE_CFLAGS = -std=c99 -Wall -Wextra -Werror -g -O2 -Isrc/jwt

ifeq ($(SANITIZE),1)
CORE_CFLAGS += -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=all
UNIT_DIR   = $(BUILD)/unit-san
else
UNIT_DIR   = $(BUILD)/unit
endif

UNIT_SRCS  = $(wildcard t/unit/test_*.c)
UNIT_BINS  = $(patsubst t/unit/%.c,$(UNIT_DIR)/%,$(UNIT_SRCS))

TOOLS      = $(BUILD)/jwtgate-mint $(BUILD)/jwtgate-jwks
# the tools' optimization and debug flags (debian/rules: dpkg-buildflags';
# CPPFLAGS and LDFLAGS from the environment are used too)
TOOL_CFLAGS ?= -g -O2

# the release: written once, in src/ngx_http_auth_jwt.h
VERSION   := $(shell sed -n 's/^\#define NGX_HTTP_AUTH_JWT_VERSION  *"\([^"]*\)".*/\1/p' \
                 src/ngx_http_auth_jwt.h)

# Debian packages: build, tests, demo.
DEPS = gcc make perl pkg-config curl ca-certificates openssl \
       nginx nginx-dev libpcre2-dev zlib1g-dev libssl-dev \
       libjansson-dev libjwt-dev libcmocka-dev \
       libcrypt-jwt-perl libtest-base-perl libjson-pp-perl fcgiwrap \
       python3 python3-jwt python3-cryptography python3-jwcrypto

# The real Test::Nginx wins when installed; else our runner in t/lib.
PERL_TEST_LIB := $(shell perl -MTest::Nginx::Socket -e1 2>/dev/null \
                         || echo t/lib)
PROVE_ENV = TEST_NGINX_BINARY=$(NGINX_BIN) \
            TEST_NGINX_LOAD_MODULES=$(abspath $(MODULE)) \
            $(if $(PERL_TEST_LIB),PERL5LIB=$(CURDIR)/$(PERL_TEST_LIB)) \
            JWTGATE_JWKS=$(abspath $(BUILD)/jwtgate-jwks)

# --- jwtgate-issuer (reference token issuer; tests in t/issuer/) ---
ISSUER     = $(BUILD)/jwtgate-issuer
ISSUER_SRCS = $(wildcard tools/issuer/*.c)
ISSUER_HDRS = $(wildcard tools/issuer/*.h)
TOOLS     += $(ISSUER)
DEPS      += libmicrohttpd-dev libcrypt-dev
PROVE_ENV += JWTGATE_ISSUER=$(abspath $(ISSUER))
# --- end jwtgate-issuer ---

.PHONY: all module deps check-deps test unit unit-build prove tools demo \
        clean install fuzz fuzz-build bench-core ci-deps

all: module tools

module: check-deps
	@NGX_CC_OPT="$(NGX_CC_OPT)" NGX_LD_OPT="$(NGX_LD_OPT)" V=$(V) \
	    sh tools/build-module.sh $(NGINX_SRC) $(BUILD)

deps:
	@sh tools/deps.sh install $(DEPS) $(DEB_DEPS)
	@$(MAKE) --no-print-directory interop-deps

# what CI runs too (fuzz, sanitizers, fuzz-http): one apt-get before
# .ci/run's parallel builds
ci-deps:
	@sh tools/deps.sh install $(DEPS) $(FUZZ_DEPS) $(ASAN_DEPS) \
	    $(FUZZ_HTTP_DEPS)
	@$(MAKE) --no-print-directory interop-deps

# --- interop (issue 14): the token libraries of t/09x-interop*.t ---
# and t/103-jwe-interop.t.  Debian's: python3-jwt (PyJWT) and
# python3-jwcrypto (JWE: PyJWT has none), in DEPS above.  From npm:
# jsonwebtoken, jose and @nestjs/jwt, at the exact versions of
# t/interop/package-lock.json, installed into build/npm (never system-wide,
# install scripts off).  Without npm the suites that need them skip and
# say why; under CI (CI=true, or JWTGATE_INTEROP_REQUIRED=1: .ci/run)
# Debian's nodejs and npm are installed when missing (as root), no
# npm/node after that fails here, and a library missing fails those suites
# (JWTGate::Interop::need).
NPM_DIR = $(BUILD)/npm
PROVE_ENV += JWTGATE_NPM_DIR=$(abspath $(NPM_DIR))
.PHONY: interop-deps

interop-deps: $(NPM_DIR)/.installed

$(NPM_DIR)/.installed: t/interop/package.json t/interop/package-lock.json
	@if ! { command -v npm && command -v node; } >/dev/null 2>&1 && \
	   { [ "$${JWTGATE_INTEROP_REQUIRED:-}" = 1 ] || \
	     [ "$$(echo "$${CI:-}" | tr A-Z a-z)" = true ]; } && \
	   [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "interop-deps: installing Debian's nodejs and npm"; \
	    apt-get update -qq && \
	    apt-get install -y -qq --no-install-recommends nodejs npm \
	        >/dev/null; \
	fi; \
	if command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1; \
	then \
	    mkdir -p $(NPM_DIR) && \
	    cp t/interop/package.json t/interop/package-lock.json $(NPM_DIR)/ && \
	    (cd $(NPM_DIR) && npm ci --ignore-scripts --no-audit --no-fund \
	        --loglevel=error) && touch $@; \
	elif [ "$${JWTGATE_INTEROP_REQUIRED:-}" = 1 ] || \
	     [ "$$(echo "$${CI:-}" | tr A-Z a-z)" = true ]; then \
	    echo "interop-deps: no npm/node, and the interop suites are" \
	         "required (CI=true or JWTGATE_INTEROP_REQUIRED=1)" >&2; \
	    exit 1; \
	else \
	    echo "interop-deps: no npm/node: the interop suites that need" \
	         "them skip"; \
	fi
# --- end interop ---

check-deps:
	@sh tools/deps.sh check $(DEPS)

tools: $(TOOLS)

$(BUILD)/jwtgate-mint: tools/jwtgate-mint.c | check-deps
	@mkdir -p $(BUILD)
	$(CC) -std=c99 -Wall -Wextra -Werror $(TOOL_CFLAGS) $(CPPFLAGS) \
	    -o $@ $< $(LDFLAGS) \
	    $$(pkg-config --cflags --libs libjwt jansson libcrypto)

$(BUILD)/jwtgate-jwks: tools/jwtgate-jwks.c | check-deps
	@mkdir -p $(BUILD)
	$(CC) -std=c99 -Wall -Wextra -Werror $(TOOL_CFLAGS) $(CPPFLAGS) \
	    -o $@ $< $(LDFLAGS) \
	    $$(pkg-config --cflags --libs jansson libcrypto)

# --- jwtgate-issuer build ---
$(ISSUER): $(ISSUER_SRCS) $(ISSUER_HDRS) | check-deps
	@mkdir -p $(BUILD)
	$(CC) -std=c99 -Wall -Wextra -Werror -g -O2 -o $@ $(ISSUER_SRCS) \
	    $$(pkg-config --cflags --libs libmicrohttpd libjwt jansson \
	                                  libcrypto libcrypt)
# --- end jwtgate-issuer build ---

unit: check-deps $(UNIT_BINS) $(BUILD)/jwe-fixtures.txt
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; \
	    JWTGATE_JWE_FIXTURES=$(BUILD)/jwe-fixtures.txt $$t; done

# JWE tokens of every alg x enc pair and their keys, minted by Crypt::JWT
# (and CryptX) for t/unit/test_jwe.c: fresh keys each time it is made
$(BUILD)/jwe-fixtures.txt: t/unit/mint-jwe.pl t/lib/JWTGate/JweMint.pm
	@mkdir -p $(BUILD)
	perl t/unit/mint-jwe.pl $@

# only build them (make -j2 unit-build: .ci/run builds everything first)
unit-build: check-deps $(UNIT_BINS)

# the tests' own headers too: t/unit/jread_check.h, t/fuzz/jread_reference.h
TEST_HDRS  = $(wildcard t/unit/*.h t/fuzz/*.h)

# what the tests share (keys, signatures, key sets, tokens): linked into each
UNIT_FIXTURES = t/unit/fixtures.c

$(UNIT_DIR)/%: t/unit/%.c $(UNIT_FIXTURES) $(CORE_SRCS) $(CORE_HDRS) $(TEST_HDRS)
	@mkdir -p $(UNIT_DIR)
	$(CC) $(CORE_CFLAGS) -It/unit -o $@ $< $(UNIT_FIXTURES) $(CORE_SRCS) \
	    -lcmocka $(CORE_LIBS)

# libFuzzer targets (clang-14): make fuzz FUZZ_SECONDS=60 [FUZZ_JOBS=n]
FUZZ_SECONDS ?= 60
FUZZ_CC       = clang-14
FUZZ_DEPS     = clang-14 libclang-rt-14-dev
FUZZ_TARGETS  = $(patsubst t/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard t/fuzz/fuzz_*.c))

fuzz-build: $(FUZZ_TARGETS)

$(BUILD)/fuzz/%: t/fuzz/%.c $(CORE_SRCS) $(CORE_HDRS) $(TEST_HDRS)
	@sh tools/deps.sh check $(FUZZ_DEPS)
	@mkdir -p $(BUILD)/fuzz
	$(FUZZ_CC) -std=c99 -g -O1 -Isrc/jwt \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -o $@ $< $(CORE_SRCS) $(CORE_LIBS)

# FUZZ_JOBS targets at once (default: one per core), each FUZZ_SECONDS
fuzz: check-deps fuzz-build
	@BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) \
	    $(if $(FUZZ_JOBS),FUZZ_JOBS=$(FUZZ_JOBS)) \
	    bash tools/fuzz.sh $(FUZZ_TARGETS)

# µs per verification, core next to bare OpenSSL (docs/BENCHMARKS.md);
# revocation list of 1,000,000 jtis: build time, memory, ns per lookup
# JWE (issue 18): the tokens of `bench_core --jwe --specs`, minted each
# run by Crypt::JWT (t/bench/mint-jwe.pl) into $(BUILD)/bench-jwe.txt
bench-core: check-deps
	@mkdir -p $(BUILD)
	$(CC) -std=c99 -Wall -Wextra -Werror -O2 -g -Isrc/jwt \
	    -o $(BUILD)/bench_core t/bench/bench_core.c t/bench/bench_jwe.c \
	    $(CORE_SRCS) $(CORE_LIBS)
	$(CC) -std=c99 -Wall -Wextra -Werror -O2 -g -Isrc/jwt \
	    -o $(BUILD)/bench_rlist t/bench/bench_rlist.c $(CORE_SRCS) $(CORE_LIBS)
	@$(BUILD)/bench_core --jwe --specs \
	    | perl t/bench/mint-jwe.pl t/data/jwe-keys.json \
	    > $(BUILD)/bench-jwe.txt.new
	@mv $(BUILD)/bench-jwe.txt.new $(BUILD)/bench-jwe.txt
	@$(BUILD)/bench_core
	@$(BUILD)/bench_core --jwks-100 | tail -1
	@echo
	@JWTGATE_BENCH_JWE=$(BUILD)/bench-jwe.txt $(BUILD)/bench_core --jwe
	@echo
	@$(BUILD)/bench_rlist

# --- soak (issue 5): tools/soak.sh, loopback only, not part of make test ---
# make soak [SOAK_SECONDS=n (>= 60)] [SOAK_QUICK=1 (~12 s smoke run)]
#           [SOAK_PORT=n (first port tried)] [SOAK_CONNECTIONS=n (4)]
# table in build/soak.txt, logs of the run in build/soak-logs/
SOAK_DEPS = wrk
.PHONY: soak

soak: module tools
	@sh tools/deps.sh check $(SOAK_DEPS)
	@BUILD=$(BUILD) NGINX_BIN=$(NGINX_BIN) \
	    $(if $(SOAK_SECONDS),SOAK_SECONDS=$(SOAK_SECONDS)) \
	    $(foreach v,SOAK_QUICK SOAK_PORT SOAK_CONNECTIONS SOAK_ROTATION_DELAY,\
	        $(if $($(v)),$(v)=$($(v)))) bash tools/soak.sh
# --- end soak ---

# --- fuzz-http (issue 13): tools/fuzz-http.py, loopback only ---
# make fuzz-http [FUZZ_HTTP_COUNT=n (10000)] [FUZZ_HTTP_SECONDS=s (150)]
#                [FUZZ_HTTP_SEED=n (random, printed)] [FUZZ_HTTP_CASE=n]
#                [NGINX_BIN=build/asan/.../nginx MODULE=...]
#                [FUZZ_HTTP_JWE_KINDS=n: only write build/fuzz-http/jwe-kinds.t]
# randomized hostile requests (JWS and JWE) against nginx + gateway.conf
# with invariants; a failing case is minimized into a Test::Nginx block in
# build/fuzz-http/ (the JWE minting: tools/fuzz_http_jwe.py)
FUZZ_HTTP_DEPS = python3 python3-jwt python3-cryptography python3-h2
.PHONY: fuzz-http

fuzz-http: module
	@sh tools/deps.sh check $(FUZZ_HTTP_DEPS)
	@BUILD=$(BUILD) NGINX_BIN=$(NGINX_BIN) \
	    MODULE=$(abspath $(MODULE)) \
	    $(foreach v,FUZZ_HTTP_COUNT FUZZ_HTTP_SECONDS FUZZ_HTTP_SEED \
	        FUZZ_HTTP_CASE FUZZ_HTTP_PORT FUZZ_HTTP_KEEP FUZZ_HTTP_MINIMIZE \
	        FUZZ_HTTP_MAX_FAILURES FUZZ_HTTP_VERBOSE FUZZ_HTTP_TIMEOUT \
	        FUZZ_HTTP_JWE_KINDS,\
	        $(if $($(v)),$(v)=$($(v)))) /usr/bin/python3 tools/fuzz-http.py
# --- end fuzz-http ---

# --- bench (issues 8, 15, 17): tools/bench.sh, loopback only, not part of make test ---
# make bench [BENCH_SECONDS=n (5)] [BENCH_REPEAT=n (3)] [BENCH_QUICK=1 (~2 min)]
#            [BENCH_SET=issue17] [BENCH_ONLY="ids"] [BENCH_SCALE=0] (~12 min in all)
# req/s and nginx worker CPU per request for each case, the scale cases, the
# issues' targets; writes docs/BENCHMARKS.md and docs/bench.png (not with
# BENCH_ONLY), raw data in build/bench/
BENCH_DEPS = wrk gnuplot-nox python3-cryptography
.PHONY: bench

bench: module tools
	@sh tools/deps.sh check $(BENCH_DEPS)
	@BUILD=$(BUILD) NGINX_BIN=$(NGINX_BIN) \
	    $(foreach v,BENCH_SECONDS BENCH_REPEAT BENCH_QUICK BENCH_CONNECTIONS \
	        BENCH_POOL BENCH_CORE BENCH_PORT BENCH_KEEP BENCH_STRICT \
	        BENCH_ONLY BENCH_REVOKED BENCH_SET BENCH_SCALE BENCH_SCALE_TOKENS \
	        BENCH_SCALE_SECONDS BENCH_LOCATIONS BENCH_IDLE_POLL,\
	        $(if $($(v)),$(v)='$($(v))')) bash tools/bench.sh
# --- end bench ---

# PROVE_JOBS=n: n files at once, each in a slot of its own (a port +250
# apart from TEST_NGINX_PORT, a server root in $(BUILD)/slots; see
# tools/prove-slot.sh); MATRIX_JOBS=n: make test-matrix runs n versions at
# once (their slots are shared: MATRIX_JOBS x PROVE_JOBS of them)
PROVE_JOBS  ?= 1
MATRIX_JOBS ?= 1
PROVE_SLOTS_ENV = PROVE_SLOT_DIR=$(abspath $(BUILD))/slots \
            PROVE_SLOTS=$(PROVE_JOBS) \
            PROVE_SLOT_PORT=$${TEST_NGINX_PORT:-1984}

prove: module tools interop-deps
ifeq ($(PROVE_JOBS),1)
	$(PROVE_ENV) prove -r t/
else
	$(PROVE_ENV) $(PROVE_SLOTS_ENV) \
	    prove -r -j$(PROVE_JOBS) --exec $(CURDIR)/tools/prove-slot.sh t/
endif

# the glue's layers (tools/layers.py): no cycle among src/*.c (from the
# objects' symbols), no glue header including one above it, no nginx
# header in the core (src/jwt/)
.PHONY: layers

layers: module
	@python3 tools/layers.py $(BUILD)/ngx/objs/addon/src src

# every suite under the real Test::Nginx (openresty's test-nginx) from
# ../shared/test-nginx (TEST_NGINX_REAL_TARBALL=...), unpacked into
# build/test-nginx-real (tools/prove-real.sh): the suites must pass under
# it and under our runner in t/lib alike.  Without the tarball: a notice,
# and success.  PROVE_REAL_SUITES="t/0xx.t ..." for a few.  Not part of
# make test (about 12 min more): CI runs it as a step of its own.
REAL_TN_DEPS = libtest-base-perl libtext-diff-perl libtest-longstring-perl \
               liblist-moreutils-perl libipc-run-perl libwww-perl liburi-perl \
               libhttp-message-perl
.PHONY: prove-real

prove-real: module tools interop-deps
	@$(PROVE_ENV) BUILD=$(BUILD) NGINX_BIN=$(NGINX_BIN) \
	    PROVE_REAL_DEPS="$(REAL_TN_DEPS)" \
	    PROVE_JOBS=$(PROVE_JOBS) \
	    $(foreach v,TEST_NGINX_REAL_TARBALL PROVE_REAL_SUITES,\
	        $(if $($(v)),$(v)="$($(v))")) bash tools/prove-real.sh

# every suite on every nginx version the README names (tools/matrix.sh);
# nginx sources from ../shared/nginx, built once into build/nginx-X.Y.Z
NGINX_TARBALLS ?= ../shared/nginx
.PHONY: test-matrix

test-matrix: module tools
	@BUILD=$(BUILD) NGINX_TARBALLS=$(NGINX_TARBALLS) \
	    PERL_TEST_LIB=$(if $(PERL_TEST_LIB),$(CURDIR)/$(PERL_TEST_LIB)) \
	    $(if $(MATRIX_VERSIONS),MATRIX_VERSIONS="$(MATRIX_VERSIONS)") \
	    $(if $(MATRIX_ALL_ON),MATRIX_ALL_ON="$(MATRIX_ALL_ON)") \
	    $(if $(MATRIX_SUITES),MATRIX_SUITES="$(MATRIX_SUITES)") \
	    MATRIX_JOBS=$(MATRIX_JOBS) PROVE_JOBS=$(PROVE_JOBS) \
	    bash tools/matrix.sh

# the hostile-request suites with nginx under valgrind (tools/valgrind.sh),
# run by the real Test::Nginx from ../shared/test-nginx
VALGRIND_DEPS = valgrind libtest-base-perl libtext-diff-perl \
                libtest-longstring-perl liblist-moreutils-perl libipc-run-perl \
                libwww-perl liburi-perl libhttp-message-perl
.PHONY: valgrind

valgrind: module tools
	@sh tools/deps.sh check $(VALGRIND_DEPS)
	@BUILD=$(BUILD) NGINX_BIN=$(NGINX_BIN) \
	    $(if $(VALGRIND_SUITES),VALGRIND_SUITES="$(VALGRIND_SUITES)") \
	    bash tools/valgrind.sh

# every suite on nginx and the module built with ASan+UBSan (clang-14,
# NGX_DEBUG_PALLOC; tools/asan.sh): build/asan/nginx/sbin/nginx and
# build/asan/ngx_http_auth_jwt_module.so, built once and reused; any
# sanitizer report or "exited on signal" fails.  make asan-build: only
# build them (and print the sanitizer options), for make fuzz-http
ASAN_DEPS = clang-14 libclang-rt-14-dev
.PHONY: test-asan asan-build

test-asan: tools
	@sh tools/deps.sh check $(ASAN_DEPS)
	@BUILD=$(BUILD) NGINX_TARBALLS=$(NGINX_TARBALLS) \
	    PERL_TEST_LIB=$(if $(PERL_TEST_LIB),$(CURDIR)/$(PERL_TEST_LIB)) \
	    $(foreach v,ASAN_SUITES ASAN_NGINX_VERSION ASAN_JOBS,\
	        $(if $($(v)),$(v)="$($(v))")) bash tools/asan.sh

asan-build: check-deps
	@sh tools/deps.sh check $(ASAN_DEPS)
	@BUILD=$(BUILD) NGINX_TARBALLS=$(NGINX_TARBALLS) \
	    $(if $(ASAN_NGINX_VERSION),ASAN_NGINX_VERSION=$(ASAN_NGINX_VERSION)) \
	    bash tools/asan.sh build

# the other versions of the matrix, when their sources are at hand
MATRIX_OTHERS = 1.24.0 1.26.3 1.30.4 1.31.4

# with the other versions' sources at hand, make prove's part (every file
# under t/ on Debian's nginx) runs as the matrix's 1.22.1 line, at the same
# time as the others when MATRIX_JOBS > 1
test: module tools interop-deps
	@$(MAKE) --no-print-directory layers
	@$(MAKE) --no-print-directory unit
	@if [ -d $(NGINX_TARBALLS) ]; then \
	    $(MAKE) --no-print-directory test-matrix \
	        MATRIX_VERSIONS="1.22.1 $(MATRIX_OTHERS)" MATRIX_ALL_ON=1.22.1; \
	else \
	    $(MAKE) --no-print-directory prove && \
	    echo "test: $(NGINX_TARBALLS) not found: nginx $(MATRIX_OTHERS)" \
	         "not tested (make test-matrix NGINX_TARBALLS=...)"; \
	fi
ifeq ($(SANITIZE),1)
	@$(MAKE) --no-print-directory test-asan
endif

demo: module tools
	@$(if $(DEMO_PORT),DEMO_PORT=$(DEMO_PORT)) sh tools/demo.sh

# the module where Debian's nginx loads modules from; the tools (key set
# from a PEM key, certificate or HMAC secret; token minting) in BINDIR
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin

install: module $(BUILD)/jwtgate-jwks $(BUILD)/jwtgate-mint
	install -D -m 0644 $(MODULE) \
	    $(DESTDIR)/usr/lib/nginx/modules/ngx_http_auth_jwt_module.so
	install -D -m 0755 $(BUILD)/jwtgate-jwks $(DESTDIR)$(BINDIR)/jwtgate-jwks
	install -D -m 0755 $(BUILD)/jwtgate-mint $(DESTDIR)$(BINDIR)/jwtgate-mint

# --- Debian package (issue 16): debian/, tools/deb.sh, tools/deb-test.sh ---
# make deb: a copy of the sources in build/deb/src, debian/changelog
# written there from VERSION, dpkg-buildpackage -b, then lintian;
# make deb-test (root): install it, enable it, nginx -t, a request with a
# good and a forged token on 127.0.0.1:DEB_TEST_PORT (18480) and the next
# port, purge it, nothing left behind
DEB_DEPS  = build-essential debhelper dpkg-dev fakeroot lintian nginx-dev \
            libjansson-dev libjwt-dev libssl-dev pkg-config
.PHONY: deb deb-test debian/changelog

deb:
	@sh tools/deps.sh check $(DEB_DEPS)
	@BUILD=$(BUILD) VERSION=$(VERSION) sh tools/deb.sh build

deb-test: deb
	@BUILD=$(BUILD) VERSION=$(VERSION) \
	    $(if $(DEB_TEST_PORT),DEB_TEST_PORT=$(DEB_TEST_PORT)) \
	    bash tools/deb-test.sh

# for dpkg-buildpackage run by hand in this tree (not committed)
debian/changelog:
	@VERSION=$(VERSION) sh tools/deb.sh changelog debian/changelog
# --- end Debian package ---

clean:
	rm -rf $(BUILD) t/servroot
