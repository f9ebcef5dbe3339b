// The `dev.preflight` Android library: the uniffi-generated Kotlin (compiled straight from
// bindings/kotlin, never copied) plus the Rust library per ABI from src/main/jniLibs/.
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "dev.preflight"
    compileSdk = 35
    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
        ndk {
            abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64")
        }
    }
    sourceSets {
        getByName("main") {
            kotlin.srcDir("../../../bindings/kotlin")
            jniLibs.srcDir("src/main/jniLibs")
        }
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    // The generated bindings call into libpreflight_ffi.so through JNA (the AAR ships its own
    // libjnidispatch.so per ABI).
    implementation("net.java.dev.jna:jna:5.15.0@aar")
}
