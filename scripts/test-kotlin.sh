#!/usr/bin/env bash
# Compiles the generated Kotlin bindings with the JVM tests (tests/kotlin: JUnit 4 through
# kotlin.test) and runs them against the host cdylib through JNA. Fetches what it needs on first use:
#   kotlinc, kotlin-test, kotlin-test-junit  from the npm package `kotlin-compiler` (into .tools/);
#   JNA, JUnit 4, kotlinx-coroutines          from Debian (libjna-java, junit4, libkotlinx-coroutines-java,
#                                             libkotlinx-atomicfu-java).
# Usage: scripts/test-kotlin.sh [DIR_WITH_libpreflight_ffi.so]   (default target/release)
# Exits non-zero unless JUnit reports every test passed; prints "kotlin: N passed, 0 failed".
set -euo pipefail
cd "$(dirname "$0")/.."
lib_dir=$(cd "${1:-target/release}" && pwd)
[ -f "$lib_dir/libpreflight_ffi.so" ] || { echo "test-kotlin: $lib_dir/libpreflight_ffi.so not found" >&2; exit 1; }

KOTLIN_VERSION=2.4.20
kotlin_home=.tools/kotlin-compiler-$KOTLIN_VERSION
scripts/ensure-deps.sh libjna-java:/usr/share/java/jna.jar default-jdk-headless:java \
  junit4:/usr/share/java/junit4.jar libkotlinx-coroutines-java:/usr/share/java/kotlinx-coroutines-core.jar \
  libkotlinx-atomicfu-java:/usr/share/java/atomicfu.jar
if [ ! -x "$kotlin_home/bin/kotlinc" ]; then
  echo "fetching kotlin-compiler@$KOTLIN_VERSION from npm into .tools/" >&2
  scripts/ensure-deps.sh npm
  mkdir -p .tools
  (cd .tools && npm pack --silent "kotlin-compiler@$KOTLIN_VERSION" >/dev/null &&
    rm -rf package && tar xzf "kotlin-compiler-$KOTLIN_VERSION.tgz" && mv package "kotlin-compiler-$KOTLIN_VERSION" &&
    rm "kotlin-compiler-$KOTLIN_VERSION.tgz")
fi
jna=/usr/share/java/jna.jar
stdlib=$kotlin_home/lib/kotlin-stdlib.jar
klib=$kotlin_home/lib
deps="$jna:/usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar:/usr/share/java/kotlinx-coroutines-core.jar:/usr/share/java/atomicfu.jar:$klib/kotlin-test.jar:$klib/kotlin-test-junit.jar"

sources=(crates/preflight-ffi/bindings/kotlin/dev/preflight/preflight.kt
  crates/preflight-ffi/bindings/kotlin/dev/preflight/core/preflight_core.kt
  crates/preflight-ffi/tests/kotlin/PreflightTest.kt
  crates/preflight-ffi/tests/kotlin/MobileTest.kt
  crates/preflight-ffi/tests/kotlin/VideoTest.kt
  crates/preflight-ffi/tests/kotlin/ListsTest.kt
  crates/preflight-ffi/tests/kotlin/support/DelicateCoroutinesApi.kt)
jar=target/kotlin/preflight-tests.jar
mkdir -p target/kotlin
# Recompile only when a source changed (kotlinc takes ~20 s).
if [ ! -f "$jar" ] || [ -n "$(find "${sources[@]}" -newer "$jar")" ]; then
  # -Werror stays on; uniffi 0.32's generated code has expression statements kotlinc 2.4 flags
  # as UNUSED_EXPRESSION, so only that one diagnostic is disabled.
  "$kotlin_home/bin/kotlinc" -Werror -Xwarning-level=UNUSED_EXPRESSION:disabled \
    -cp "$deps" -d target/kotlin/building.jar "${sources[@]}"
  mv target/kotlin/building.jar "$jar"
fi

log=target/kotlin/test-output.txt
status=0
java -Djna.library.path="$lib_dir" -Dpreflight.root="$PWD" -cp "$jar:$deps:$stdlib" \
  org.junit.runner.JUnitCore PreflightTest MobileTest VideoTest ListsTest >"$log" 2>&1 || status=$?
passed=$(grep -Eo '^OK \([0-9]+ tests?\)' "$log" | grep -Eo '[0-9]+' || true)
if [ "$status" -ne 0 ] || [ -z "$passed" ]; then
  echo "FAIL Kotlin tests (exit $status); output in $log" >&2
  grep -E '^[0-9]+\) |^Tests run|Exception|Error' "$log" | head -30 >&2
  exit 1
fi
echo "kotlin: $passed passed, 0 failed"
