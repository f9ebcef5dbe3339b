//! The one integration-test binary of this crate: one module per area, sharing `common`.

mod classify_errors;
mod classify_nudenet;
mod classify_parity;
mod classify_scanner;
#[allow(dead_code)]
mod classify_support;
#[allow(dead_code)]
#[path = "../common/mod.rs"]
mod common;
mod concurrency;
mod crash_safety;
mod errors_sources;
mod fixtures_registry_jpeg;
mod hostile_animation;
mod hostile_lists;
mod hostile_media;
mod hostile_scope;
mod hostile_text;
#[allow(dead_code)]
mod image_decode_cases;
mod image_decode_formats;
mod image_decode_memory;
mod image_match_phash;
mod image_match_policy;
mod image_match_resharing;
mod lists_format;
mod lists_import;
mod lists_match;
mod lists_multiprocess;
mod lists_store;
mod lists_update;
mod media_inputs;
mod pdq_conformance;
mod scanner;
mod text_conversation;
mod text_evasion;
mod text_false_positives;
mod text_lexicon;
mod text_model_behaviour;
mod text_model_build;
mod text_model_conversation;
mod text_model_format;
mod text_robustness;
mod video_scan;
