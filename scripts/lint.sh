#!/usr/bin/env bash
# clang-format check on all C++ sources, clang-tidy on C++ files changed against origin/main
# (or HEAD~1), shellcheck on every script.
set -euo pipefail
build=${1:-build}
fail=0
mapfile -t cpp < <(git ls-files '*.h' '*.cc')
if ((${#cpp[@]})); then
  clang-format --dry-run --Werror "${cpp[@]}" || fail=1
fi
base=$(git rev-parse -q --verify origin/main || git rev-parse -q --verify HEAD~1 || true)
if [ -n "$base" ] && [ -f "$build/compile_commands.json" ]; then
  mapfile -t changed < <(git diff --name-only "$base" -- '*.cc' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
  if ((${#changed[@]})); then
    clang-tidy -p "$build" --quiet "${changed[@]}" || fail=1
  fi
fi
mapfile -t sh < <(git ls-files '*.sh' '.ci/run')
if ((${#sh[@]})); then
  shellcheck "${sh[@]}" || fail=1
fi
exit $fail
