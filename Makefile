# The front door. `make run` and `make test` are all a fresh Debian 12 machine needs; every target installs what it lacks.
SHELL := /bin/bash
# A recipe line that pipes into tee fails when its command fails, not only when tee does.
.SHELLFLAGS := -o pipefail -c
.DEFAULT_GOAL := run

TORCH ?= cpu
CONFIGURATION ?= Release
DOTNET ?= dotnet
BUILD_FLAGS := -c $(CONFIGURATION) -p:TorchBackend=$(TORCH) --nologo -v:q
TRAIN_DLL := training/Pipeline.Training.Cli/bin/$(CONFIGURATION)/net10.0/linux-x64/pipeline-train.dll
INFER_DLL := inference/Pipeline.Inference.Cli/bin/$(CONFIGURATION)/net10.0/linux-x64/pipeline-infer.dll
FASHION_MNIST := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
# Pipeline.Onnx generates its ONNX types from this file at build time (Debian python3-onnx).
ONNX_PROTO := /usr/lib/python3/dist-packages/onnx/onnx.proto
# tests/node: onnxruntime-node, the outside client the export tests run, and Azurite, the Azure Blob API the registry
# tests start (npm writes this file last, at every install).
NODE_CLIENT := tests/node/node_modules/.package-lock.json
RESULTS := TestResults
# Debian packages are installed as root, or through sudo otherwise.
apt_install = { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(1); }

# The embedded default of `make run`, the whole chain on the CPU: a short SimCLR pretraining on part of Fashion-MNIST,
# kNN on the test split, the ONNX export again (its metadata then carries the kNN figure) and the report; publishing to
# the local registry as champion; fine-tuning a linear head on 1% of the labels from the champion, through artifacts
# ONNX Runtime trains; and the fine-tuned classifier's accuracy on the test split. Then what pretraining buys: the
# shipped reference encoder fine-tuned on the same 600 labels, beside the same network trained from scratch on them and
# logistic regression on raw pixels, printed side by side.
RUN_DIR ?= runs/quickstart
RUN_LIMIT ?= 10240
RUN_EPOCHS ?= 3
REGISTRY ?= file:./registry
MODEL_NAME ?= fashion-quickstart
REFERENCE_MODEL ?= models/fashion-mnist-simclr-convnet6
BENCH_DLL := bench/Pipeline.Bench/bin/$(CONFIGURATION)/net10.0/linux-x64/pipeline-bench.dll

# `make serve`: the HTTP embedding server on 127.0.0.1:8080, serving the registry's champion and following it.
MODEL ?= registry:$(MODEL_NAME)@champion
SERVE_URLS ?= http://127.0.0.1:8080

.PHONY: setup build run test serve pack edge edge-aot arm64-userland arm64-cross bench-edge bench bench-deps bench-methods bench-recipes bench-quality bench-significance bench-selection bench-search bench-index-knn bench-precision soak fault-storage fault-training reference-model clean

setup: $(FASHION_MNIST) $(ONNX_PROTO) $(NODE_CLIENT) arm64-userland arm64-cross
	$(DOTNET) restore Pipeline.sln -p:TorchBackend=$(TORCH) --nologo -v:q

$(FASHION_MNIST):
	@echo "Installing the Fashion-MNIST Debian package (dataset-fashion-mnist)…"
	@$(call apt_install,dataset-fashion-mnist)

$(ONNX_PROTO):
	@echo "Installing Debian's python3-onnx (its onnx.proto is compiled into Pipeline.Onnx)…"
	@$(call apt_install,python3-onnx)

# Its CPU build ships inside the package; the skipped install script only fetches optional GPU binaries.
$(NODE_CLIENT): tests/node/package-lock.json
	cd tests/node && npm ci --no-audit --no-fund --ignore-scripts

build: setup
	$(DOTNET) build Pipeline.sln $(BUILD_FLAGS)
	@mkdir -p bin
	@printf '#!/usr/bin/env bash\nexec dotnet "%s" "$$@"\n' "$(CURDIR)/$(TRAIN_DLL)" > bin/pipeline-train
	@printf '#!/usr/bin/env bash\nexec dotnet "%s" "$$@"\n' "$(CURDIR)/$(INFER_DLL)" > bin/pipeline-infer
	@chmod +x bin/pipeline-train bin/pipeline-infer
	@echo "CLIs: ./bin/pipeline-train ./bin/pipeline-infer"

run: build
	rm -rf $(RUN_DIR)
	./bin/pipeline-train pretrain --method simclr --data fashion-mnist:train --encoder convnet \
	  --limit $(RUN_LIMIT) --epochs $(RUN_EPOCHS) --batch-size 256 --seed 0 --out $(RUN_DIR)
	./bin/pipeline-train evaluate --run $(RUN_DIR) --protocol knn --labels 100%
	./bin/pipeline-train export --run $(RUN_DIR) --out $(RUN_DIR)/encoder.onnx
	./bin/pipeline-train report --run $(RUN_DIR)
	./bin/pipeline-train publish --run $(RUN_DIR) --registry $(REGISTRY) --name $(MODEL_NAME) --alias latest --alias champion
	./bin/pipeline-infer finetune --model registry:$(MODEL_NAME)@champion --registry $(REGISTRY) --cache $(RUN_DIR)/models \
	  --data fashion-mnist:train --labels 1% --recipe frozen --head linear --seed 0 --out $(RUN_DIR)/finetune
	./bin/pipeline-infer evaluate --model $(RUN_DIR)/finetune/inference_model.onnx --data fashion-mnist:test \
	  | tee $(RUN_DIR)/finetune.evaluate.txt
	./bin/pipeline-infer finetune --model $(REFERENCE_MODEL)/encoder.onnx --data fashion-mnist:train --labels 1% --seed 0 \
	  --out $(RUN_DIR)/finetune-reference
	./bin/pipeline-infer evaluate --model $(RUN_DIR)/finetune-reference/inference_model.onnx --data fashion-mnist:test \
	  | tee $(RUN_DIR)/finetune-reference.evaluate.txt
	dotnet $(BENCH_DLL) scratch-accuracy --model $(REFERENCE_MODEL)/encoder.onnx --labels 1% --seed 0 \
	  --epochs 50 --min-crop-scale 0.5 --label-smoothing 0.1 | tee $(RUN_DIR)/scratch.json
	./bin/pipeline-train evaluate --representation pixels --protocol linear --labels 1% --tune --seed 0 --json \
	  | tee $(RUN_DIR)/pixels.json
	@build/run-summary.sh $(RUN_DIR)

test: build
	rm -rf $(RESULTS)
	$(DOTNET) test Pipeline.sln $(BUILD_FLAGS) --no-build --logger "trx" --results-directory $(RESULTS) \
	  || true
	@build/test-summary.sh $(RESULTS)

# PRECISION=int8 or fp16 serves that precision variant of a registry model (published with publish --variant).
serve: build
	./bin/pipeline-infer serve --model $(MODEL) --registry $(REGISTRY) --urls $(SERVE_URLS) $(if $(PRECISION),--precision $(PRECISION))

# The NuGet packages a device app needs (inference/PACKAGES.md: embeddings with ONNX Runtime and image decoding only),
# versioned by build/Version.props, with README, licence and XML docs, into artifacts/packages; inference/samples restore
# them from there.
PACKAGES := shared/Pipeline.Errors shared/Pipeline.Runs shared/Pipeline.Onnx.Contract shared/Pipeline.Data inference/Pipeline.Inference
pack:
	$(DOTNET) build inference/Pipeline.Inference $(BUILD_FLAGS)
	for project in $(PACKAGES); do $(DOTNET) pack $$project -c $(CONFIGURATION) --no-build --nologo -v:q || exit 1; done
	@ls artifacts/packages/*.nupkg

# The edge build of the embedding CLI, pipeline-embed (inference/Pipeline.Inference.Embed): self-contained, trimmed and
# single-file for each of EDGE_RIDS, into artifacts/edge/RID/pipeline-embed. Each runtime builds in its own folder
# (--artifacts-path), so an arm64 restore never meets the repository's linux-x64 one.
EDGE_RIDS ?= linux-x64 linux-arm64
EDGE_DIR := artifacts/edge
edge: $(ONNX_PROTO)
	for rid in $(EDGE_RIDS); do \
	  $(DOTNET) publish inference/Pipeline.Inference.Embed -c Release -r $$rid -p:EdgeBuild=single-file \
	    --artifacts-path $(EDGE_DIR)/build/$$rid -o $(EDGE_DIR)/$$rid --nologo -v:q || exit 1; \
	done
	@ls -l $(EDGE_DIR)/*/pipeline-embed

# Native AOT instead, for each of EDGE_AOT_RIDS: artifacts/edge/RID-aot/ holds the native pipeline-embed and ONNX Runtime's
# and SkiaSharp's libraries. It needs clang (Debian's clang-14 will do); linux-arm64 is cross-compiled on this x86-64
# machine, and clang links it with arm64-cross's linker, C library and GCC start files.
EDGE_AOT_RIDS ?= linux-x64 linux-arm64
CLANG ?= $(shell command -v clang || command -v clang-14 || echo clang)
edge-aot: $(ONNX_PROTO) $(if $(filter linux-arm64,$(EDGE_AOT_RIDS)),arm64-cross)
	for rid in $(EDGE_AOT_RIDS); do \
	  $(DOTNET) publish inference/Pipeline.Inference.Embed -c Release -r $$rid -p:EdgeBuild=aot -p:CppCompilerAndLinker=$(CLANG) \
	    --artifacts-path $(EDGE_DIR)/build/$$rid-aot -o $(EDGE_DIR)/$$rid-aot --nologo -v:q || exit 1; \
	done

# The edge builds side by side (bench/results/edge.md): size, start-up time, and linux-arm64 under qemu-user embedding the
# same images as linux-x64 within float tolerance (several minutes once built: qemu emulates every instruction); the
# Native AOT builds too where edge-aot has made them. A self-contained .NET binary still loads
# the C library, libstdc++ and OpenSSL (SHA-256) of its platform: Debian's arm64 ones are installed beside qemu.
bench-edge: edge arm64-userland
	/usr/bin/python3 bench/edge.py $(EDGE_FLAGS)

# qemu-user-static and Debian's arm64 libc6, libstdc++6 and libssl3, to run linux-arm64 builds here (build/qemu-arm64.sh).
# Best effort: where they cannot be installed, the linux-arm64 edge test is skipped and says why.
ARM64_USERLAND := /usr/bin/qemu-aarch64-static /usr/lib/aarch64-linux-gnu/libssl.so.3
arm64-userland:
	@for file in $(ARM64_USERLAND); do [ -e $$file ] || missing=1; done; [ -z "$$missing" ] || { \
	  echo "Installing qemu-user-static and Debian's arm64 libc6, libstdc++6 and libssl3 (to run linux-arm64 builds here)…"; \
	  { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; $$SUDO dpkg --add-architecture arm64 \
	    && $(call apt_install,qemu-user-static libc6:arm64 libstdc++6:arm64 libssl3:arm64); } \
	  || echo "Could not install them: the linux-arm64 edge test will be skipped, and make bench-edge cannot run."; }

# What clang needs to link Native AOT for linux-arm64 here (make edge-aot): Debian's aarch64 binutils (the linker), the
# arm64 C library and GCC start files as a cross sysroot, and clang itself (about 45 MB of packages with clang and LLVM, under a minute to install).
# Best effort: where they cannot be installed, the Native AOT linux-arm64 edge test is skipped and says why.
ARM64_CROSS := /usr/bin/clang /usr/bin/aarch64-linux-gnu-ld.bfd /usr/aarch64-linux-gnu/lib/crt1.o \
  /usr/lib/gcc-cross/aarch64-linux-gnu/12/crtbeginS.o
arm64-cross:
	@for file in $(ARM64_CROSS); do [ -e $$file ] || missing=1; done; [ -z "$$missing" ] || { \
	  echo "Installing clang, binutils-aarch64-linux-gnu, libc6-dev-arm64-cross and libgcc-12-dev-arm64-cross (to link Native AOT for linux-arm64)…"; \
	  $(call apt_install,clang binutils-aarch64-linux-gnu libc6-dev-arm64-cross libgcc-12-dev-arm64-cross) \
	  || echo "Could not install them: make edge-aot cannot link linux-arm64, and its edge test will be skipped."; }

# Benchmarks, never tests: they print figures beside their peers' and write bench/results/.
bench: build bench-deps
	/usr/bin/python3 bench/simclr_step.py
	/usr/bin/python3 bench/encoder_inference.py
	/usr/bin/python3 bench/methods.py $(METHODS_FLAGS)
	@if [ -f "$(RUN_DIR)/encoder.onnx" ]; then \
	  dotnet bench/Pipeline.Inference.Bench/bin/$(CONFIGURATION)/net10.0/linux-x64/pipeline-inference-bench.dll \
	    --model $(RUN_DIR)/encoder.onnx --out bench/results/inference_server.md; \
	  /usr/bin/python3 bench/finetune.py $(RUN_DIR)/encoder.onnx; \
	else echo "Skipping the server and fine-tuning benchmarks: no $(RUN_DIR)/encoder.onnx (make run writes it)."; fi

# Issue 3's comparison alone (about 40 minutes on 2 cores): every method at one budget, the untrained encoder and raw
# pixels, by linear probe and kNN at 1%, 10% and 100% of the labels. METHODS_FLAGS="--limit 60000 --epochs 15" for more.
bench-methods: build
	/usr/bin/python3 bench/methods.py $(METHODS_FLAGS)

# The recipe sweep (bench/results/recipes.md): SimCLR settings side by side at a short budget. RECIPES_FLAGS="--only NAME…".
bench-recipes: build
	/usr/bin/python3 bench/recipes.py $(RECIPES_FLAGS)

# The shipped reference model (DESIGN.md): the recipe bench/results/recipes.md chose, trained for 40 epochs on all
# 60,000 images in mixed precision (bf16; about 70 minutes on a quiet 2-core machine with AVX-512 BF16, much longer
# where bfloat16 is emulated; continues where it stopped when run again), every epoch's checkpoint scored for the
# learning curve (default k and C; about 2 minutes each), the final one with tuned probes, exported and drawn; then its
# run folder, with only the final checkpoint, becomes $(REFERENCE_MODEL).
REFERENCE_RUN ?= runs/reference
reference-model: build
	./bin/pipeline-train pretrain --method simclr --data fashion-mnist:train --encoder convnet6 --epochs 40 --batch-size 256 \
	  --seed 0 --min-crop-scale 0.2 --temperature 0.2 --precision bf16 --out $(REFERENCE_RUN) --resume
	./bin/pipeline-train evaluate --run $(REFERENCE_RUN) --every-checkpoint --protocol linear knn --labels 1% 100%
	./bin/pipeline-train evaluate --run $(REFERENCE_RUN) --protocol linear knn --labels 1% 10% 100% --tune
	./bin/pipeline-train export --run $(REFERENCE_RUN) --out $(REFERENCE_RUN)/encoder.onnx
	./bin/pipeline-train report --run $(REFERENCE_RUN)
	rm -rf $(REFERENCE_MODEL) && mkdir -p $(REFERENCE_MODEL)/checkpoints
	cp -r $(REFERENCE_RUN)/run.json $(REFERENCE_RUN)/metrics.jsonl $(REFERENCE_RUN)/encoder.onnx $(REFERENCE_RUN)/eval \
	  $(REFERENCE_RUN)/report $(REFERENCE_MODEL)/
	cp "$$(ls $(REFERENCE_RUN)/checkpoints/step-*.safetensors | sort | tail -n 1)" $(REFERENCE_MODEL)/checkpoints/

# What pretraining buys (bench/results/quality.md): the reference model against the untrained encoder, raw pixels and
# the same network trained from scratch, fine-tuned, distilled and trained with FixMatch, over three label draws (hours
# on 2 cores; resumable).
bench-quality: build
	/usr/bin/python3 bench/quality.py --reference $(REFERENCE_MODEL) $(QUALITY_FLAGS)

# Whether the reference encoder's lead over raw pixels is more than chance (bench/results/significance.md): both scored
# with tuned kNN and linear probes at 1%, 10% and 100% of the labels, each test image's prediction kept
# (evaluate --predictions) and paired, McNemar's exact test per row (69 minutes here with two other benchmarks on the 2 cores; resumable).
# SIGNIFICANCE_FLAGS="--seeds 0 1 2" for more label draws.
bench-significance: build
	/usr/bin/python3 bench/significance.py --reference $(REFERENCE_MODEL) $(SIGNIFICANCE_FLAGS)

# Which images to label (bench/results/selection.md): typiclust, maxherding, kcenter and random at budgets 10 to 600, fine-tuned on the
# chosen images (a linear head on the frozen encoder, and every layer), three seeds, beside a label-aware reference (an hour or two
# on 2 cores; resumable). SELECTION_FLAGS="--seeds 0 --budgets 10 100" for less, "--fixmatch-epochs 3" to add FixMatch on each choice.
bench-selection: build bench-deps
	/usr/bin/python3 bench/selection.py --reference $(REFERENCE_MODEL) $(SELECTION_FLAGS)

# Lookup by similarity as a classifier (bench/results/index-knn.md): the reference encoder's index of the 60,000 training
# images, raw against standardised cosine, every test image looked up through serve's /v1/search (about 10 minutes).
bench-index-knn: build
	/usr/bin/python3 bench/index_knn.py $(INDEX_KNN_FLAGS)

# Lookup by similarity (bench/results/search.md): exact top-10 cosine search at 10k, 100k and 1M random unit vectors of
# width 128, one thread and every core, beside FAISS's IndexFlatIP (a few minutes). SEARCH_FLAGS="--sizes 10000 --seconds 2" for less.
bench-search:
	$(DOTNET) build bench/Pipeline.Inference.Bench $(BUILD_FLAGS)
	@/usr/bin/python3 -c "import faiss" 2>/dev/null || $(call apt_install,python3-faiss)
	/usr/bin/python3 bench/search.py $(SEARCH_FLAGS)

# Precision variants (bench/results/precision.md): the reference encoder beside its int8 and fp16 variants from
# pipeline-infer quantize: size, embeddings/s at batch 1 and 64 on one thread, kNN and linear-probe accuracy, and a
# fine-tuned classifier's (about 15 minutes on 2 busy cores). PRECISION_FLAGS="--threads 2 --rounds 5" for others.
bench-precision: build
	/usr/bin/python3 bench/precision.py $(PRECISION_FLAGS)

# The server soak (bench/results/reliability.md; issue 12): 10 minutes of 32 clients mixing good and bad requests against
# `serve` pinned to CPU 0, the load generator pinned to CPU 1. Fails when a good request fails, a bad one is not refused
# with a 4xx or the server dies. SOAK_FLAGS="--minutes 1" for a short one.
soak: build
	taskset --cpu-list 1 dotnet bench/Pipeline.Inference.Bench/bin/$(CONFIGURATION)/net10.0/linux-x64/pipeline-inference-bench.dll soak \
	  --model $(REFERENCE_MODEL)/encoder.onnx --server-cpus 0 $(SOAK_FLAGS)

# The storage fault campaign (bench/results/reliability-storage.md; issue 12): the model registry on an Azurite killed
# (SIGKILL) at 50 random points of publishes, pulls and alias moves, and 4 times at each boundary between a publish's
# manifest and the alias moves after it (publish then promote, as the nightly job ends; a champion move), and started
# again on the same data; every operation completes or fails and completes when retried without a second version, no
# version is half-visible, no pulled file is corrupt, no alias names a missing version (about 40 minutes on a busy
# machine). Fails when a check does. FAULT_STORAGE_FLAGS="--kills 6 --boundary-kills 2" for a short one.
fault-storage: build
	dotnet bench/Pipeline.Inference.Bench/bin/$(CONFIGURATION)/net10.0/linux-x64/pipeline-inference-bench.dll storage-faults $(FAULT_STORAGE_FLAGS)

# The training fault campaign (bench/results/reliability-training.md; issue 12): a small pretrain and a fine-tune at 1% of
# the labels, each killed (SIGKILL) at 10 random points mid-training and resumed with --resume, compared file by file
# with an uninterrupted run (about 12 minutes on 2 busy cores). Fails when a resumed run differs in more than two
# uninterrupted runs do. FAULT_TRAINING_FLAGS="--kills 2 --only finetune" for a short one.
fault-training: build
	/usr/bin/python3 bench/faults_training.py $(FAULT_TRAINING_FLAGS)

bench-deps:
	@/usr/bin/python3 -c "import torch" 2>/dev/null || $(call apt_install,python3-torch)

clean:
	$(DOTNET) clean Pipeline.sln -v:q --nologo
	rm -rf bin runs registry $(RESULTS)
