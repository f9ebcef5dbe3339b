//! The one integration-test binary of this crate: one module per area, sharing `common`.

mod cli_bench;
mod cli_demo;
mod cli_hash;
#[path = "../../../../tests/common/mod.rs"]
mod common;
mod image_match_cli;
mod lists_cli;
mod lists_cli_videos;
mod text_cli;
mod text_eval_cli;
mod text_model_cli;
mod text_model_embed_cli;
mod text_scan_cli;
mod video_conformance;
