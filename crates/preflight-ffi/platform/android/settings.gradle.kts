// Gradle build for the Android library (AAR) wrapping Preflight. Needs the Android SDK; run
// scripts/build-android.sh first to put libpreflight_ffi.so into preflight/src/main/jniLibs/.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}
dependencyResolutionManagement {
    repositories {
        google()
        mavenCentral()
    }
}
rootProject.name = "preflight-android"
include(":preflight")
