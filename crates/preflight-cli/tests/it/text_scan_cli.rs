//! `preflight scan text|batch|chat` as a user runs them: actions, direction and age band,
//! batch mode, streaming chat replay with bounded memory, bad lines reported not fatal.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common;

fn preflight(args: &[&str]) -> (i32, String, String) {
    common::run_cli(env!("CARGO_BIN_EXE_preflight"), args)
}

#[test]
fn scan_text_takes_direction_and_age_band_and_prints_the_action() {
    let (code, out, err) = preflight(&["scan", "text", "i want to kill myself"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("action: warn"), "{out}");
    let (_, out, _) = preflight(&["scan", "text", "see you at practice"]);
    assert!(out.starts_with("action: allow"), "{out}");
    // Sexual text warns only when the local user is a minor.
    let args = [
        "scan",
        "text",
        "--json",
        "--direction",
        "received",
        "ur so sexy",
    ];
    let (code, out, err) = preflight(&[&args[..], &["--age-band", "13-15"]].concat());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["action"], "warn", "{v}");
    let (_, out, _) = preflight(&[&args[..], &["--age-band", "adult"]].concat());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["action"], "allow", "{v}");
    // Help-seeking for someone else does not set the writer's own level.
    let (_, out, _) = preflight(&[
        "scan",
        "text",
        "--json",
        "how do i help someone who is suicidal",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["self_harm_level"], serde_json::Value::Null, "{v}");
    assert_eq!(v["help_seeking"], true);
    let (code, _, err) = preflight(&["scan", "text", "--age-band", "teen", "hi"]);
    assert_eq!(code, 2);
    assert!(err.contains("teen"), "{err}");
}

#[test]
fn batch_mode_scans_lines_independently_and_reports_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("b.tsv");
    let mut body =
        b"received\t13-15\tdon't tell your parents about us\nsent\tunknown\tlunch at 12?\n"
            .to_vec();
    body.extend_from_slice(b"sent\tunknown\tbad \xff byte\nnot a tsv line\n");
    std::fs::write(&p, body).unwrap();
    let (code, out, err) = preflight(&["scan", "batch", "--tsv", p.to_str().unwrap()]);
    assert_eq!(code, 2, "bad lines make the exit status 2: {err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("1\t") && lines[0].contains("grooming"),
        "{out}"
    );
    assert!(lines[1].starts_with("2\tallow\t-"), "{out}");
    assert!(err.contains(":3: invalid UTF-8"), "{err}");
    assert!(err.contains(":4: expected direction"), "{err}");
}

#[test]
fn scan_chat_reports_invalid_utf8_and_keeps_going() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("c.jsonl");
    let mut body = br#"{"conversation":"a","direction":"received","text":"hi"}"#.to_vec();
    body.extend_from_slice(
        b"\n{\"conversation\":\"a\",\"direction\":\"received\",\"text\":\"\xc3\x28\"}\n",
    );
    body.extend_from_slice(
        br#"{"conversation":"a","direction":"sent","text":"i want to kill myself"}"#,
    );
    body.push(b'\n');
    std::fs::write(&p, body).unwrap();
    let (code, out, err) = preflight(&["scan", "chat", "--json", p.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(":2: invalid UTF-8"), "{err}");
    let recs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 4, "{out}");
    assert_eq!(recs[1]["line"], 2);
    assert!(recs[1]["error"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(recs[2]["action"], "warn");
    assert_eq!(recs[3]["conversation"]["messages"], 2);
}

#[cfg(target_os = "linux")]
#[repr(C)]
struct Rusage {
    utime: [i64; 2],
    stime: [i64; 2],
    maxrss: i64,
    rest: [i64; 13],
}

#[cfg(target_os = "linux")]
extern "C" {
    fn wait4(pid: i32, status: *mut i32, options: i32, usage: *mut Rusage) -> i32;
}

/// Waits for `child` and returns whether it exited with status 0 and its own peak resident set
/// in KiB. `wait4` reports this child alone: `getrusage(RUSAGE_CHILDREN)` would report the
/// largest child any test of this binary has waited for (model training runs in parallel).
#[cfg(target_os = "linux")]
fn wait_with_peak_rss_kib(child: std::process::Child) -> (bool, i64) {
    let mut u = Rusage {
        utime: [0; 2],
        stime: [0; 2],
        maxrss: 0,
        rest: [0; 13],
    };
    let mut status = 0;
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: wait4 fills `status` and the struct, laid out as Linux's `struct rusage` on
    // 64-bit; the child is reaped here and `child` is not waited on again.
    let rc = unsafe { wait4(pid, &mut status, 0, &mut u) };
    assert_eq!(rc, pid);
    (status == 0, u.maxrss)
}

#[cfg(target_os = "linux")]
#[test]
fn scan_chat_streams_200k_messages_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
    let texts = [
        "hey how was school today",
        "you're so mature for your age",
        "lol ok see you tmrw",
        "add me on snap",
    ];
    for i in 0..200_000u32 {
        let dir = if i % 2 == 0 { "received" } else { "sent" };
        writeln!(
            f,
            r#"{{"conversation":"c{}","direction":"{dir}","text":"{}","age_band":"13-15"}}"#,
            i % 500,
            texts[i as usize % texts.len()]
        )
        .unwrap();
    }
    drop(f);
    let out = tempfile::NamedTempFile::new().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(["scan", "chat", "--json", p.to_str().unwrap()])
        .stdout(Stdio::from(out.reopen().unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (ok, peak) = wait_with_peak_rss_kib(child);
    assert!(ok);
    let lines = std::fs::read_to_string(out.path()).unwrap().lines().count();
    assert_eq!(
        lines,
        200_000 + 500,
        "one record per message and per conversation"
    );
    // The records alone are hundreds of MB; holding them (as before) would show here.
    assert!(peak < 150 * 1024, "peak RSS {peak} KiB");
}
