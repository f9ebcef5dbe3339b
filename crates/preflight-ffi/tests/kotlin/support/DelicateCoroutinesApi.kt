// Test classpath only (scripts/test-kotlin.sh). The JVM tests use Debian's kotlinx-coroutines
// (libkotlinx-coroutines-java, 1.0.1), which predates this opt-in marker (added in 1.5) that the
// uniffi-generated async code names. Apps build against kotlinx-coroutines 1.10 (the Gradle
// module's dependency), which has it; this file is never packaged.
package kotlinx.coroutines

@RequiresOptIn(level = RequiresOptIn.Level.WARNING)
annotation class DelicateCoroutinesApi
