//! `preflight eval text` end to end on small labelled files written by the test: the figures
//! are counted by hand from what the lexicons match.

use crate::common;
use serde_json::Value;
use std::path::Path;

fn eval(args: &[&str]) -> (i32, Value, String) {
    let bin = env!("CARGO_BIN_EXE_preflight");
    let out = common::cli_in(bin, &common::repo_root(), "eval text", args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let v = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const TSV: &str = "# a comment\n\
label\tdetail\ttechnique\tdirection\tage_band\ttext\n\
grooming\tisolation_secrecy\tplain\treceived\t13-15\tdon't tell your parents about me ok\n\
grooming\tmeeting\tparaphrase\treceived\t13-15\tlovely weather for a walk by the river\n\
self_harm\tideation\tplain\tsent\t13-15\ti want to kill myself\n\
benign\tgreeting\t\tsent\t\thappy birthday, see you at the party\n\
benign\tinsult\tslang\tsent\t\twhat a cunt\n";

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

#[test]
fn messages_tsv_figures_match_hand_count() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.tsv");
    std::fs::write(&p, TSV).unwrap();
    let (code, v, err) = eval(&["--json", "--lexicon-only", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let m = &v["messages"][0];
    assert_eq!(m["messages"], 5);
    assert_eq!(m["grooming"]["tp"], 1);
    assert_eq!(m["grooming"]["fn"], 1);
    assert_eq!(f(&m["grooming"]["precision"]), 1.0);
    assert_eq!(f(&m["grooming"]["recall"]), 0.5);
    assert!((f(&m["grooming"]["f1"]) - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(m["self_harm"]["tp"], 1);
    assert_eq!(m["self_harm"]["fp"], 0);
    assert_eq!(m["benign_signal_rate"]["hits"], 1);
    assert_eq!(m["benign_signal_rate"]["total"], 2);
    assert_eq!(m["grooming_recall_by_stage"]["meeting"]["hits"], 0);
    assert_eq!(
        m["grooming_recall_by_stage"]["isolation_secrecy"]["hits"],
        1
    );
    assert_eq!(m["recall_by_technique"]["paraphrase"]["total"], 1);
    assert_eq!(m["self_harm_level_exact"]["hits"], 1);
    // Two errors: the missed meeting message and the insult.
    assert_eq!(m["errors"].as_array().unwrap().len(), 2);
    // The product path finds the same plain grooming message.
    let (code, v, err) = eval(&["--json", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["detector"], "scanner");
    assert!(v["messages"][0]["grooming"]["tp"].as_u64().unwrap() >= 1);
}

/// Writes the bundled grooming sample (ChatLine JSONL) as a labelled conversation file.
fn write_grooming_conversation(dir: &Path) {
    let sample = std::fs::read_to_string(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("samples/chats/grooming_escalation.jsonl"),
    )
    .unwrap();
    let mut out = String::from(
        "{\"conversation\":\"g\",\"label\":\"grooming\",\"age_band\":\"13-15\",\"note\":\"sample\"}\n",
    );
    for (i, line) in sample.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let v: Value = serde_json::from_str(line).unwrap();
        let mut m = serde_json::json!({"direction": v["direction"], "text": v["text"]});
        if i == 2 {
            m["first_concern"] = Value::Bool(true);
        }
        out.push_str(&m.to_string());
        out.push('\n');
    }
    std::fs::write(dir.join("g.jsonl"), out).unwrap();
}

#[test]
fn conversation_dir_reports_alert_delay_and_auc() {
    let dir = tempfile::tempdir().unwrap();
    write_grooming_conversation(dir.path());
    std::fs::write(
        dir.path().join("b.jsonl"),
        "{\"label\":\"benign\"}\n{\"direction\":\"sent\",\"text\":\"see you at practice\"}\n\
         {\"direction\":\"received\",\"text\":\"ok bring the ball\"}\n",
    )
    .unwrap();
    let (code, v, err) = eval(&["--json", "--lexicon-only", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let c = &v["conversations"][0];
    assert_eq!(c["conversations"], 2);
    assert_eq!(c["grooming_alerted"]["hits"], 1);
    assert_eq!(c["benign_warned"]["hits"], 0);
    assert_eq!(f(&c["grooming_risk_auc"]), 1.0);
    let delay = c["grooming_delays"][0].as_i64().unwrap();
    assert!(
        delay > 0,
        "the sample alerts only after several stages: {delay}"
    );
    // One true positive, no false positive: F1 1, so F_latency = 1 - penalty(k) < 1.
    let k = delay as f64 + 2.0 + 1.0;
    let penalty = -1.0 + 2.0 / (1.0 + (-0.0078 * (k - 1.0)).exp());
    assert!((f(&c["grooming_latency_f1"]) - (1.0 - penalty)).abs() < 1e-9);
}

#[test]
fn real_world_csv_formats_are_recognised() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("t.csv"),
        "text,label\ni want to kill myself,1\nmaking some lunch,0\n\"lunch, then gym\",0\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("r.csv"),
        "user,posts,label\nu1,\"['i want to die', 'ok then']\",Attempt\nu2,\"['nice day']\",Supportive\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("p.csv"),
        "segment,label\n\"hi how old r u? don't tell your parents about us. our little secret ok? send me a pic in your underwear. i can pick u up after school\",1\n\
         \"hi. what game do you play? minecraft mostly\",0\n",
    )
    .unwrap();
    let (code, v, err) = eval(&["--json", "--lexicon-only", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let t = &v["suicide_tweets"][0];
    assert_eq!(t["items"], 3);
    assert_eq!(f(&t["auc"]), 1.0);
    assert_eq!(f(&t["at_max_fpr"]["recall"]), 1.0);
    let r = &v["reddit_users"][0]["by_label"];
    assert_eq!(r["Attempt"]["flagged"]["hits"], 1);
    assert_eq!(r["Supportive"]["flagged"]["hits"], 0);
    let p = &v["pan_segments"][0];
    assert_eq!(p["items"], 2);
    assert_eq!(f(&p["auc"]), 1.0);
}

#[test]
fn bad_inputs_are_errors_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.tsv");
    std::fs::write(
        &p,
        "label\tdetail\ttechnique\tdirection\tage_band\ttext\nnasty\tx\t\tsent\t\thi\n",
    )
    .unwrap();
    let (code, _, err) = eval(&[p.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad.tsv:2") && err.contains("unknown label"),
        "{err}"
    );
    let c = dir.path().join("convs");
    std::fs::create_dir(&c).unwrap();
    std::fs::write(
        c.join("x.jsonl"),
        "{\"label\":\"grooming\"}\n{\"direction\":\"sent\",\"text\":\"hi\",\"fist_concern\":true}\n",
    )
    .unwrap();
    let (code, _, err) = eval(&[c.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("x.jsonl:2") && err.contains("fist_concern"),
        "{err}"
    );
    std::fs::write(
        c.join("x.jsonl"),
        "{\"label\":\"grooming\"}\n{\"direction\":\"sent\",\"text\":\"hi\"}\n",
    )
    .unwrap();
    let (code, _, err) = eval(&[c.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("first_concern"), "{err}");
}

/// The product path ranks the tweets by the graded own self-harm score: flagged distress above
/// everyday posts, hyperbole and school talk about suicide (these stay below the signal's
/// threshold, so the ROC is complete), and the flag itself is the product's signal.
#[test]
fn tweets_are_ranked_by_the_graded_score_on_the_product_path() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.csv");
    std::fs::write(
        &p,
        "text,label\ni want to kill myself,1\ni wish i was dead,1\nmaking some lunch,0\n\
         kms this wifi is so slow,0\nwe learned about suicide prevention in health class,0\n\
         going to the beach this weekend,0\n",
    )
    .unwrap();
    let (code, v, err) = eval(&["--json", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let t = &v["suicide_tweets"][0];
    assert_eq!(t["items"], 6);
    assert_eq!(t["positives"], 2);
    assert_eq!(f(&t["auc"]), 1.0, "{t}");
    assert_eq!(f(&t["flagged"]["recall"]), 1.0, "{t}");
    assert_eq!(t["flagged"]["fp"], 0, "{t}");
}

/// `--scores` writes every real-world item's label and ranked score, one TSV row per item in
/// file order, for reading the errors behind the AUC.
#[test]
fn scores_file_lists_each_item_with_its_label_and_score() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.csv");
    std::fs::write(
        &p,
        "text,label\ni want to kill myself,1\nmaking some lunch,0\ni wish i was dead,1\n",
    )
    .unwrap();
    let out = dir.path().join("scores.tsv");
    let (code, _, err) = eval(&[
        "--json",
        "--scores",
        out.to_str().unwrap(),
        p.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows[0], ["file", "row", "label", "score"]);
    assert_eq!(rows.len(), 4, "{text}");
    let labels: Vec<&str> = rows[1..].iter().map(|r| r[2]).collect();
    assert_eq!(labels, ["1", "0", "1"]);
    let score = |i: usize| rows[i][3].parse::<f32>().unwrap();
    assert!(score(1) > score(2) && score(3) > score(2), "{text}");
}

/// A Reddit user is read two ways: any post alone with a self-harm signal (own or a peer's),
/// and the writer's own state over their posts in one conversation, with a stricter
/// "sustained" reading (an own level on two posts).
#[test]
fn reddit_users_are_flagged_by_any_post_and_by_the_writers_own_state() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("r.csv");
    std::fs::write(
        &csv,
        "user,posts,label\n\
         u1,\"['i want to kill myself', 'ok then', 'i still want to die every day']\",Attempt\n\
         u2,\"['he keeps saying he wants to end his life', 'nice day']\",Supportive\n\
         u3,\"['i want to kill myself', 'nice day']\",Ideation\n",
    )
    .unwrap();
    let (code, v, err) = eval(&["--json", csv.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let r = &v["reddit_users"][0]["by_label"];
    let hits = |label: &str, key: &str| r[label][key]["hits"].as_u64().unwrap();
    assert_eq!(
        [
            hits("Attempt", "flagged"),
            hits("Attempt", "writer_state"),
            hits("Attempt", "sustained")
        ],
        [1, 1, 1],
        "{r}"
    );
    // A friend's crisis is a peer signal: the writer is not flagged by their own state.
    assert_eq!(
        [
            hits("Supportive", "flagged"),
            hits("Supportive", "writer_state")
        ],
        [1, 0],
        "{r}"
    );
    assert_eq!(
        [
            hits("Ideation", "writer_state"),
            hits("Ideation", "sustained")
        ],
        [1, 0],
        "{r}"
    );
}
