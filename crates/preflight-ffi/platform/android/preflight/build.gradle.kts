// The `dev.preflight` Android library: the uniffi-generated Kotlin (compiled straight from
// bindings/kotlin, never copied) plus the Rust library per ABI from src/main/jniLibs/
// (scripts/build-android.sh: arm64-v8a, armeabi-v7a, x86_64, 16 KB-aligned).
// Publish: ./gradlew :preflight:publishReleasePublicationToLocalRepository (or any repository
// added under publishing.repositories) -> dev.preflight:preflight-android:<VERSION_NAME>.
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
    `maven-publish`
}

val publishGroup = providers.gradleProperty("GROUP").get()
val publishArtifact = providers.gradleProperty("POM_ARTIFACT_ID").get()
val publishVersion = providers.gradleProperty("VERSION_NAME").get()

android {
    namespace = "dev.preflight"
    compileSdk = 35
    defaultConfig {
        minSdk = 24
        // R8 rules shipped inside the AAR and applied to every app that minifies.
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
    packaging {
        // Uncompressed, page-aligned .so files in the APK (AGP 8.5.1+ aligns them to 16 KB).
        jniLibs.useLegacyPackaging = false
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    publishing {
        singleVariant("release") {
            withSourcesJar()
        }
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    // The generated bindings call into libpreflight_ffi.so through JNA (the AAR ships its own
    // libjnidispatch.so per ABI). 5.17.0 or newer: its libjnidispatch.so is 16 KB-aligned
    // (older ones crash on 16 KB page devices, required by Google Play since November 2025).
    implementation("net.java.dev.jna:jna:5.17.0@aar")
    // The async (suspend) functions of the bindings.
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.10.2")
}

publishing {
    publications {
        register<MavenPublication>("release") {
            groupId = publishGroup
            artifactId = publishArtifact
            version = publishVersion
            afterEvaluate { from(components["release"]) }
            pom {
                name.set("Preflight for Android")
                description.set("On-device pre-encryption safety checks (Kotlin bindings + native library).")
                licenses {
                    license { name.set("MIT OR Apache-2.0") }
                }
            }
        }
    }
    repositories {
        maven {
            name = "local"
            url = uri(layout.buildDirectory.dir("repo"))
        }
    }
}
