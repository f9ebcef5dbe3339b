//! Hostile text inputs: 10 MB single messages, invalid UTF-8 as an FFI caller may hand it over,
//! and lexicon bombs (deep nesting, huge files, oversized patterns). Every one must finish in
//! time linear in its size (checked as a ratio against a 10x smaller input in the same run, so
//! the check does not depend on the machine's speed) with bounded output, or fail with a typed
//! `LexiconError`.

use crate::common;

use preflight::text::matcher::MAX_MATCHES_PER_ENTRY;
use preflight::text::{AgeBand, Direction, LexiconError, LexiconSet, TextEngine};
use preflight::{Category, Scanner, ScannerConfig};
use std::time::{Duration, Instant};

/// Tests in this file run one at a time: some measure the process's peak RSS, which any test
/// allocating in parallel would inflate.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// The result and the shortest time of `runs` calls of `f`.
fn fastest<T>(runs: usize, mut f: impl FnMut() -> T) -> (T, Duration) {
    let (mut out, mut best) = timed(&mut f);
    for _ in 1..runs {
        let (o, t) = timed(&mut f);
        if t < best {
            (out, best) = (o, t);
        }
    }
    (out, best)
}

/// `unit` repeated to about `bytes` bytes.
fn repeat_to(unit: &str, bytes: usize) -> String {
    unit.repeat(bytes / unit.len())
}

/// Before the fix, 1 MB of a repeated self-harm phrase took 44 s and 1 MB of a repeated
/// token-gap phrase 40 s (quadratic de-duplication and gap chaining); 10 MB would take over an
/// hour. Now 10 MB costs about 10x what 1 MB costs, and a message reports at most
/// MAX_MATCHES_PER_ENTRY matches per lexicon entry.
#[test]
fn ten_megabyte_messages_cost_linear_time_and_bounded_output() {
    if !common::optimised_build_or_skip("linear time and bounded memory on 10 MB messages") {
        return;
    }
    common::in_own_process(
        module_path!(),
        "ten_megabyte_messages_cost_linear_time_and_bounded_output",
        ten_megabyte_messages_cost_linear_time_and_bounded_output_alone,
    );
}

fn ten_megabyte_messages_cost_linear_time_and_bounded_output_alone() {
    let _serial = serial();
    let engine = TextEngine::default_english().unwrap();
    let entries = engine.entries().len();
    let cases: [(&str, &str); 5] = [
        ("repeated self-harm phrase", "i want to kill myself "),
        ("token gap opener without closer", "send me "),
        ("safelisted phrase", "i live in scunthorpe "),
        ("negation cues and phrase", "never not never kill myself, "),
        ("spacing and leet evasions", "k i l l m y s 3 l f 1 "),
    ];
    let hwm_before = common::peak_rss_kib();
    for (what, unit) in cases {
        let small = repeat_to(unit, 1 << 20);
        let big = repeat_to(unit, 10 << 20);
        // The fastest of a few runs: the machine is shared, and the ratio is what is checked.
        let (a_small, t_small) = fastest(3, || engine.analyze(&small));
        let (a_big, t_big) = fastest(2, || engine.analyze(&big));
        eprintln!(
            "{what}: 1 MB {t_small:?} ({} matches), 10 MB {t_big:?} ({} matches)",
            a_small.matches.len(),
            a_big.matches.len()
        );
        assert!(
            a_big.matches.len() <= MAX_MATCHES_PER_ENTRY * entries,
            "{what}: unbounded matches"
        );
        for m in &a_big.matches {
            assert_eq!(
                &big[m.start..m.end],
                m.matched,
                "{what}: span/excerpt mismatch"
            );
        }
        // Linear is ~10x; quadratic would be ~100x. Wall time is not quite linear even so: 1 MB
        // of input keeps its ~20 MB of passes near the caches, 10 MB does not (measured 39x for
        // the spaced-letter case after the classifier-backing merge made 1 MB 3.5x faster, with
        // every other case at 12-20x). 50x still fails any quadratic step.
        let ratio = t_big.as_secs_f64() / t_small.as_secs_f64().max(1e-3);
        assert!(
            ratio < 50.0,
            "{what}: 10 MB took {ratio:.1}x the time of 1 MB ({t_small:?} vs {t_big:?})"
        );
    }
    // Memory is linear but not small: the normalizer keeps a 16-byte offset pair per byte of
    // skeleton plus its working buffer, and up to three passes run. Measured: 50-60 bytes of
    // peak RSS per input byte (511-587 MB for 10 MB, including the test's own strings). The bound
    // is 80 bytes per byte; apps should cap message size (THREAT_MODEL.md).
    let growth = common::peak_rss_kib().saturating_sub(hwm_before);
    eprintln!("peak RSS growth over the 10 MB messages: {growth} KiB");
    assert!(growth < 800 * 1024, "peak RSS grew by {growth} KiB");
}

#[test]
fn repeated_phrases_still_match_and_cap_per_entry() {
    let _serial = serial();
    let engine = TextEngine::default_english().unwrap();
    let text = repeat_to("i want to kill myself. ", 100_000);
    let a = engine.analyze(&text);
    let kill = a
        .matches
        .iter()
        .filter(|m| m.lexicon_id == "sh.ideation.kill_myself")
        .count();
    assert_eq!(kill, MAX_MATCHES_PER_ENTRY);
    // The cap keeps the earliest matches: the first one is at the start.
    assert_eq!(
        a.matches
            .iter()
            .find(|m| m.lexicon_id == "sh.ideation.kill_myself")
            .unwrap()
            .start,
        10
    );
    // A phrase after 1 MB of padding is still found (no truncation of long messages).
    let padded = format!(
        "{}don't tell your parents",
        repeat_to("hello there ", 1 << 20)
    );
    let a = engine.analyze(&padded);
    assert!(
        a.matches
            .iter()
            .any(|m| m.category == preflight::text::Category::Grooming),
        "{:?}",
        a.matches
    );
}

#[test]
fn invalid_utf8_from_an_ffi_caller_is_scanned_safely() {
    let _serial = serial();
    // The API takes &str; a binding converts foreign bytes lossily (U+FFFD per bad sequence).
    // Bad bytes inside, around and between the words of a phrase must neither panic nor
    // produce spans off character boundaries.
    let s = Scanner::new(ScannerConfig::default()).unwrap();
    let inputs: [&[u8]; 6] = [
        b"i want to \xFF\xFEkill myself",
        b"\xC3\x28 don't tell your parents \xE2\x82",
        b"kill\xF0\x9F myself",
        b"\xED\xA0\x80\xED\xB0\x80 lone surrogates encoded as UTF-8 \xED\xA0\x80",
        b"\xF4\x90\x80\x80 past U+10FFFF, then kill myself \xC0\xAF overlong",
        &[0xFF; 4096],
    ];
    for (i, raw) in inputs.iter().enumerate() {
        let text = String::from_utf8_lossy(raw);
        let v = s
            .scan_text(&format!("ffi-{i}"), Direction::Sent, AgeBand::Adult, &text)
            .unwrap();
        for sig in &v.signals {
            for e in &sig.evidence {
                if let preflight::Evidence::Lexicon {
                    start,
                    end,
                    excerpt,
                    ..
                } = e
                {
                    let (start, end) = (*start as usize, *end as usize);
                    assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
                    assert_eq!(&text[start..end], excerpt);
                }
            }
        }
    }
    let v = s
        .scan_text(
            "ffi-x",
            Direction::Sent,
            AgeBand::Adult,
            &String::from_utf8_lossy(b"\xFF i want to kill myself"),
        )
        .unwrap();
    assert!(
        v.signals_of(Category::SelfHarm).next().is_some(),
        "a bad byte before a phrase hides it"
    );
}

const HEADER: &str = "[lexicon]\nname = \"hostile\"\nlanguage = \"en\"\ncategory = \"sexual\"\n";

#[test]
fn deeply_nested_lexicon_is_a_typed_error_not_a_stack_overflow() {
    let _serial = serial();
    for depth in [100usize, 10_000, 1_000_000] {
        let doc = format!(
            "{HEADER}safelist = {}{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let err = LexiconSet::new().add_toml("deep.toml", &doc).unwrap_err();
        assert!(
            matches!(err, LexiconError::Parse { .. }),
            "depth {depth}: {err:?}"
        );
        assert!(err.to_string().starts_with("deep.toml:"), "{err}");
        let doc = format!(
            "{HEADER}x = {}1{}\n",
            "{a = ".repeat(depth),
            "}".repeat(depth)
        );
        assert!(matches!(
            LexiconSet::new().add_toml("deep.toml", &doc),
            Err(LexiconError::Parse { .. })
        ));
    }
}

fn big_lexicon(entries: usize) -> String {
    let mut doc = String::from(HEADER);
    for i in 0..entries {
        doc.push_str(&format!(
            "[[entry]]\nid = \"e{i}\"\npattern = \"word{i} thing\"\n"
        ));
    }
    doc
}

/// Before the fix, duplicate-id checks and line numbers were computed by scanning from the
/// top for every entry: 10 000 entries took 0.8 s and 100 000 would take over a minute.
#[test]
fn huge_lexicon_files_parse_in_linear_time() {
    let _serial = serial();
    let (small, big) = (big_lexicon(5_000), big_lexicon(50_000));
    // The fastest of several runs of each, so that load from other tests or processes on a
    // shared machine (one CI run measured 34.8x with single runs) does not decide the ratio.
    // Linear is 10x (about 15x with allocation and cache effects); the quadratic scan this
    // guards against was 100x.
    let (r, t_small) = fastest(5, || {
        LexiconSet::new()
            .add_toml("small.toml", &small)
            .map(|s| s.entries.len())
    });
    assert_eq!(r.unwrap(), 5_000);
    let (r, t_big) = fastest(3, || {
        let mut set = LexiconSet::new();
        set.add_toml("big.toml", &big).unwrap();
        set
    });
    let set = r;
    assert_eq!(set.entries.len(), 50_000);
    let ratio = t_big.as_secs_f64() / t_small.as_secs_f64().max(1e-3);
    eprintln!("lexicon parse: 5k entries {t_small:?}, 50k entries {t_big:?} ({ratio:.1}x)");
    assert!(ratio < 40.0, "50k entries took {ratio:.1}x the time of 5k");
    // It also compiles and matches.
    let engine = TextEngine::compile(&set).unwrap();
    // (Digits without repeats: the normalizer folds repeated characters.)
    assert_eq!(
        engine.analyze("say word45678 thing now").matches[0].lexicon_id,
        "e45678"
    );
    // Duplicate ids are still caught, with the line of the second one.
    let dup = format!(
        "{}[[entry]]\nid = \"e3\"\npattern = \"again\"\n",
        big_lexicon(5)
    );
    match LexiconSet::new().add_toml("dup.toml", &dup).unwrap_err() {
        LexiconError::DuplicateId { line, id, .. } => assert_eq!((line, id.as_str()), (21, "e3")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn oversized_patterns_are_typed_errors_or_work() {
    let _serial = serial();
    // 300 token gaps: more segments than the matcher supports.
    let gaps = vec!["w"; 300].join(" * ");
    let doc = format!("{HEADER}[[entry]]\nid = \"gaps\"\npattern = \"{gaps}\"\n");
    let err = TextEngine::with_lexicon_toml(&doc).unwrap_err();
    assert!(matches!(err, LexiconError::Build { .. }), "{err:?}");
    // One 48 KB pattern: accepted, and matches itself.
    let long = "ab ".repeat(1 << 14);
    let doc = format!(
        "{HEADER}[[entry]]\nid = \"long\"\npattern = \"{}\"\n",
        long.trim()
    );
    let e = TextEngine::with_lexicon_toml(&doc).unwrap();
    assert_eq!(e.analyze(&long).matches.len(), 1);
    // A gap width over the limit and a weight out of range are field errors.
    for bad in ["max_gap = 200", "weight = 1e30", "weight = nan"] {
        let doc = format!("{HEADER}[[entry]]\nid = \"x\"\npattern = \"a b\"\n{bad}\n");
        let err = LexiconSet::new().add_toml("bad.toml", &doc).unwrap_err();
        assert!(matches!(err, LexiconError::Field { .. }), "{bad}: {err:?}");
    }
}
