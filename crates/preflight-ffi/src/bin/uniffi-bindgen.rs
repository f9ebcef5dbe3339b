//! `uniffi-bindgen`: generates the Swift and Kotlin sources in `bindings/` from the built cdylib
//! (library mode). Host-only tool behind the `bindgen` feature; see scripts/bindings.sh.

fn main() {
    uniffi::uniffi_bindgen_main()
}
