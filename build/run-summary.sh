#!/usr/bin/env bash
# The end of `make run`: what pretraining buys on the same 600 labels, from the outputs the run saved in RUN_DIR.
set -euo pipefail
dir=${1:?usage: run-summary.sh RUN_DIR}
accuracy() { sed -n 's/^accuracy \([0-9.]*\) %.*/\1%/p' "$1" | head -n 1; }
scratch=$(sed -n 's/.*"accuracy":\([0-9.]*\).*/\1/p' "$dir/scratch.json" | awk '{ printf "%.2f%%", $1 * 100 }')
pixels=$(sed -n 's/.*"accuracy":\([0-9.]*\).*/\1/p' "$dir/pixels.json" | head -n 1 | awk '{ printf "%.2f%%", $1 * 100 }')
echo
echo "1% of the labels (the same 600 images, seed 0), accuracy on the 10,000 Fashion-MNIST test images:"
printf '  %-92s %8s\n' \
  "the quick-start encoder above (3 epochs on 10,240 images), linear head" "$(accuracy "$dir/finetune.evaluate.txt")" \
  "the reference encoder (models/, 40 epochs on 60,000 images), finetune's defaults: every layer" "$(accuracy "$dir/finetune-reference.evaluate.txt")" \
  "no pretraining: the same convnet6 from scratch, same labels, augmentation, smoothing, steps" "$scratch" \
  "no representation: logistic regression on raw pixels, C tuned on the labels" "$pixels"
echo "(three label draws, distillation and 10%: bench/results/quality.md)"
