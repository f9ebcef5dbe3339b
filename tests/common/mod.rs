//! Helpers shared by the integration tests of every crate in the workspace (each crate has one
//! test binary, tests/it/main.rs, that includes this module by path): hand-made image containers
//! for hostile-input tests; where the test images are (committed drawn ones, the registry set
//! fetched at test time) and the skip-or-fail rule when they are missing; test issuer keys; a
//! CLI runner; peak RSS; and running a test alone in a child process of the test binary.
#![allow(dead_code)]

/// CRC-32 (ISO-HDLC), as PNG chunks use it.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Appends one PNG chunk (length, type, data, CRC).
pub fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A complete PNG whose IHDR claims `width x height` with the given bit depth, colour type and
/// interlace method, followed by a tiny (empty) IDAT and IEND: a bomb header with no pixels.
pub fn png_claiming(width: u32, height: u32, bit_depth: u8, colour: u8, interlace: u8) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[bit_depth, colour, 0, 0, interlace]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// The image-matching evaluation set (`.tools/image_match-eval`, made from scikit-image's PyPI
/// wheel and Debian's mate-backgrounds by `scripts/image_match-setup.sh`, which this runs when
/// the set is missing). `None`, with the reason printed, when it cannot be fetched (offline);
/// under `PREFLIGHT_REQUIRE_ALL=1` that is a failure instead.
pub fn image_match_eval() -> Option<std::path::PathBuf> {
    let root = repo_root();
    let tools = std::env::var_os("PREFLIGHT_TOOLS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join(".tools"));
    let eval = tools.join("image_match-eval");
    if !eval.join(".complete-v2").exists() {
        let status = std::process::Command::new(root.join("scripts/image_match-setup.sh")).status();
        present_or_skip(
            matches!(status, Ok(s) if s.success()),
            "the image-matching evaluation set",
            "scripts/image_match-setup.sh failed (needs PyPI and Debian access)",
        )?;
    }
    Some(eval)
}

/// The repository root.
/// (This module also serves the FFI and CLI crates' tests, whose manifest directory is below it.)
pub fn repo_root() -> std::path::PathBuf {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .find(|p| p.join("Cargo.lock").is_file())
        .unwrap_or(manifest)
        .to_path_buf()
}

/// True under `PREFLIGHT_REQUIRE_ALL=1` (scripts/test.sh sets it): a test whose tool or data is
/// missing must then fail instead of skipping.
pub fn require_all() -> bool {
    std::env::var("PREFLIGHT_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// Skips (prints why and returns `None`) or, under `PREFLIGHT_REQUIRE_ALL=1`, fails when `what`
/// is missing; `Some(())` when it is there.
pub fn present_or_skip(present: bool, what: &str, fix: &str) -> Option<()> {
    if present {
        return Some(());
    }
    assert!(
        !require_all(),
        "{what} missing (PREFLIGHT_REQUIRE_ALL=1): {fix}"
    );
    eprintln!("skipped: {what} missing; {fix}");
    None
}

/// A directory of the test-time image set that scripts/fetch-test-images.sh builds from
/// registry packages (`pdq`: photos and pip `pdqhash` references; `classify`), under
/// `.tools/test-images` (or `$PREFLIGHT_TOOLS_DIR/test-images`). `None` after printing why when
/// it was not fetched (plain `cargo test` offline); a failure under `PREFLIGHT_REQUIRE_ALL=1`.
pub fn test_images(sub: &str) -> Option<std::path::PathBuf> {
    let tools = std::env::var_os("PREFLIGHT_TOOLS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tools"));
    let dir = tools.join("test-images").join(sub);
    present_or_skip(
        dir.join(".complete").exists(),
        &format!("registry test images ({})", dir.display()),
        "run scripts/fetch-test-images.sh (needs PyPI and Debian)",
    )?;
    Some(dir)
}

/// A committed drawn image (tests/fixtures/make_drawn.py) from tests/fixtures/pdq/images.
pub fn drawn(name: &str) -> Vec<u8> {
    let p = repo_root().join("tests/fixtures/pdq/images").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The PDQ hash (production path) of a committed drawn image, which tests list as "known"
/// imagery. Computed, not committed: tests/it/pdq_conformance.rs checks the hasher against Meta's
/// C++ (pip `pdqhash`) on these images.
pub fn drawn_pdq(name: &str) -> preflight::hash::pdq::PdqHash {
    let limits = preflight::media::DecodeLimits::default();
    preflight::hash::hash_image_bytes(&drawn(name), &limits)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .pdq
        .hashes[0]
}

/// Runs the `preflight` binary `bin` (pass `env!("CARGO_BIN_EXE_preflight")`) from the repository
/// root; returns (exit code, stdout, stderr).
pub fn run_cli(bin: &str, args: &[&str]) -> (i32, String, String) {
    let out = cli_in(bin, &repo_root(), "", args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A deterministic issuer signing key for tests: `seed` repeated 32 times.
pub fn issuer_key(seed: u8) -> preflight::lists::IssuerSecretKey {
    preflight::lists::IssuerSecretKey::from_seed(&[seed; 32])
}

/// Peak resident memory of this process so far (VmHWM), in KiB. Only meaningful in a test that
/// runs alone in its process: see [`in_own_process`].
pub fn peak_rss_kib() -> u64 {
    status_kib("VmHWM:")
}

/// A `/proc/self/status` memory field (`VmHWM:`, `VmRSS:`), in KiB.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .expect("/proc/self/status")
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect(field)
}

/// Resets this process's peak resident memory (VmHWM) to its current resident memory (Linux
/// `/proc/self/clear_refs`), so that [`peak_rss_kib`] measures from here; false where the
/// kernel refuses. Only meaningful in a test that runs alone in its process.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Resident memory of this process now (VmRSS), in KiB.
pub fn rss_kib() -> u64 {
    status_kib("VmRSS:")
}

/// The name libtest gives test function `name` of the module whose `module_path!()` is `module`
/// (the test crate's own name dropped), as `--exact` wants it.
pub fn test_path(module: &str, name: &str) -> String {
    let module = module.split_once("::").map_or("", |(_, rest)| rest);
    if module.is_empty() {
        name.to_string()
    } else {
        format!("{module}::{name}")
    }
}

/// A command that re-runs this test binary on exactly the test `name` of `module`
/// (`module_path!()`), one thread, output not captured. Tests that drive child processes (crash
/// safety, several writers) spawn their children with it; the child test is usually `#[ignore]`d,
/// so add `--ignored`.
pub fn child_test(module: &str, name: &str) -> std::process::Command {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut cmd = std::process::Command::new(exe);
    cmd.args([
        test_path(module, name).as_str(),
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ]);
    cmd
}

const OWN_PROCESS_ENV: &str = "PREFLIGHT_TEST_OWN_PROCESS";

/// Runs `body` alone in a child process of this test binary. The crate's tests share one binary
/// and run in parallel threads, so a test that measures the process (peak RSS) or changes
/// process-wide state (environment variables, a once-loaded runtime) must not share it: call this
/// from the `#[test]` function with `module_path!()` and the function's own name. In the child,
/// `body` runs; in the parent, the child's output is passed through and its failure fails the test.
pub fn in_own_process(module: &str, name: &str, body: impl FnOnce()) {
    let path = test_path(module, name);
    if std::env::var(OWN_PROCESS_ENV).as_deref() == Ok(path.as_str()) {
        body();
        return;
    }
    let out = child_test(module, name)
        .env(OWN_PROCESS_ENV, &path)
        .output()
        .expect("the test binary re-runs itself");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    assert!(
        out.status.success(),
        "{path} failed in its own process ({})",
        out.status
    );
    assert!(
        stdout.contains(&format!("test {path} ... ok")),
        "{path} did not run in its own process"
    );
}

/// Runs the `preflight` binary `bin` (pass `env!("CARGO_BIN_EXE_preflight")`) in `dir`, with the
/// whitespace-separated words of `line` and then `paths` (kept whole, so they may hold spaces) as
/// its arguments.
pub fn cli_in(
    bin: &str,
    dir: &std::path::Path,
    line: &str,
    paths: &[&str],
) -> std::process::Output {
    std::process::Command::new(bin)
        .current_dir(dir)
        .args(line.split_whitespace())
        .args(paths)
        .output()
        .expect("the preflight binary runs")
}

/// A conversation set with the embedded English lexicons and the committed message classifier
/// (`models/text-model.pftm`), default configuration.
pub fn committed_model_conversations() -> preflight::text::Conversations {
    committed_model_conversations_with(
        preflight::text::TextEngine::default_english().expect("lexicons"),
    )
}

/// A conversation set with `engine` and the committed message classifier, default
/// configuration (`TextEngine::default_embedded()` for every language, as the scanner loads).
pub fn committed_model_conversations_with(
    engine: preflight::text::TextEngine,
) -> preflight::text::Conversations {
    let path = repo_root().join("models/text-model.pftm");
    let model = preflight::text::model::TextModel::from_path(&path).expect("committed model");
    preflight::text::Conversations::with_model(
        std::sync::Arc::new(engine),
        Some(std::sync::Arc::new(model)),
        preflight::text::ConversationConfig::default(),
    )
}

/// Whether this is an optimised build. Bounds on time and memory (and the long randomised
/// process tests) describe the release build the suite runs (`cargo test --release`); in a
/// debug build (plain `cargo test`) they are skipped with the reason printed.
pub fn optimised_build_or_skip(what: &str) -> bool {
    if cfg!(debug_assertions) {
        eprintln!("skipped: {what} is checked on an optimised build (cargo test --release; scripts/test.sh runs it)");
        return false;
    }
    true
}
