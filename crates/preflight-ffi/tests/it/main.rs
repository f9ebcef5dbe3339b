//! The one integration-test binary of this crate: one module per area, sharing `common`.

#[path = "../../../../tests/common/mod.rs"]
mod common;
mod ffi_api;
mod ffi_fixtures;
mod ffi_hostile_report;
mod ffi_lists;
mod ffi_packaging;
mod ffi_text_model;
mod ffi_video;
mod mobile_inputs;
