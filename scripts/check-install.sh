#!/usr/bin/env bash
# Installs synetune from a build folder to a temporary prefix, builds examples/library against
# the installed package (find_package(synetune)) in its own build folder, and runs both
# programs and the installed CLI. Exits non-zero on the first failure.
#   scripts/check-install.sh [BUILD_DIR]     (default: build; run by ctest as the test "install")
# SYNETUNE_KEEP_INSTALL_CHECK=1 keeps the temporary folder for inspection.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/synetune-install-check.XXXXXX")"
if [[ "${SYNETUNE_KEEP_INSTALL_CHECK:-0}" == 1 ]]; then
  echo "keeping $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi
prefix="$tmp/prefix"
export SYNETUNE_FOLDER="$tmp/experiments"   # the tuners' output root
# Trials and tuners must not pick the source tree's files up through the environment.
unset SYNETUNE_PYTHON_DIR SYNETUNE_BENCHMARKS_DIR

step() { echo "== $*"; }

step "install $build -> $prefix"
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log"
test -f "$prefix/include/synetune/methods.hpp"
test -f "$prefix/share/synetune/python/syne_tune/__init__.py"
ls "$prefix"/lib*/cmake/synetune/synetune-config.cmake >/dev/null

step "configure and build examples/library against the installed package"
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S "$root/examples/library" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" "${launcher[@]}" >"$tmp/configure.log"
cmake --build "$tmp/build" -j"${JOBS:-2}" >"$tmp/build.log" || { cat "$tmp/build.log"; exit 1; }

step "simulated_hyperband on the installed table nb201_cifar10_subset200"
"$tmp/build/simulated_hyperband" "$prefix/share/synetune/benchmarks/nb201_cifar10_subset200"
step "simulated_hyperband on the built-in synthetic_lc_tab"
"$tmp/build/simulated_hyperband"

step "asha_local on examples/train_height.py (about 10 s)"
"$tmp/build/asha_local" "$root"

step "installed CLI: a simulated run finds the installed tables"
"$prefix/bin/synetune" tune --backend simulator --benchmark sklearn_mlp_digits --method ASHA \
  --n-workers 4 --max-wallclock-time 600 --quiet --tuner-name cli-check >/dev/null
test -f "$SYNETUNE_FOLDER/cli-check/results.csv.zip"

echo "install check passed"
