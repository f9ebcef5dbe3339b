//! Evasion suite: every normalization technique, in both the grooming and the self-harm
//! category, must still match the right lexicon entry AND report the span of the original
//! text that was written. Ends with a labelled 60-case torture set and its F1 score.

use preflight::text::{Category, TextEngine, TextMatch};
use std::sync::OnceLock;

fn engine() -> &'static TextEngine {
    static E: OnceLock<TextEngine> = OnceLock::new();
    E.get_or_init(|| TextEngine::default_english().unwrap())
}

const PARENTS: &str = "groom.secrecy.dont_tell_parents";
const KILL: &str = "sh.ideation.kill_myself";

fn find(text: &str, id: &str) -> Option<TextMatch> {
    engine()
        .analyze(text)
        .matches
        .into_iter()
        .find(|m| m.lexicon_id == id)
}

/// Asserts `text` matches `id` and that the match covers exactly `expected` in the original.
fn assert_span(text: &str, id: &str, expected: &str) {
    let m = find(text, id).unwrap_or_else(|| panic!("{text:?} did not match {id}"));
    assert_eq!(&text[m.start..m.end], expected, "span of {id} in {text:?}");
    assert_eq!(m.matched, expected);
}

#[test]
fn plain_and_case() {
    assert_span(
        "pls don't tell your parents ok",
        PARENTS,
        "don't tell your parents",
    );
    assert_span(
        "DON'T TELL YOUR PARENTS",
        PARENTS,
        "DON'T TELL YOUR PARENTS",
    );
    assert_span("i want to kill myself", KILL, "kill myself");
    assert_span("I Want To KILL MYSELF", KILL, "KILL MYSELF");
}

#[test]
fn nfkc_compatibility_forms() {
    let fw = "ｄｏｎ'ｔ ｔｅｌｌ ｙｏｕｒ ｐａｒｅｎｔｓ";
    assert_span(fw, PARENTS, fw);
    assert_span("i want to 𝐤𝐢𝐥𝐥 𝐦𝐲𝐬𝐞𝐥𝐟", KILL, "𝐤𝐢𝐥𝐥 𝐦𝐲𝐬𝐞𝐥𝐟");
    assert_span("ⓚⓘⓛⓛ ⓜⓨⓢⓔⓛⓕ", KILL, "ⓚⓘⓛⓛ ⓜⓨⓢⓔⓛⓕ");
}

#[test]
fn unicode_confusables() {
    // Cyrillic о, е, а, к, і, у
    let g = "dоn't tеll yоur pаrеnts";
    assert_span(g, PARENTS, g);
    assert_span("gonna кіll mуsеlf", KILL, "кіll mуsеlf");
    // Greek ο and ε
    assert_span(
        "dοn't tεll your parents",
        PARENTS,
        "dοn't tεll your parents",
    );
}

#[test]
fn leetspeak() {
    assert_span("d0n7 t3ll y0ur p4r3nt5", PARENTS, "d0n7 t3ll y0ur p4r3nt5");
    assert_span("i'll k1ll mys3lf", KILL, "k1ll mys3lf");
    // `1` read as `l` needs the second pass.
    assert_span("i'll ki11 myse1f", KILL, "ki11 myse1f");
    assert_span("k!ll my$elf", KILL, "k!ll my$elf");
}

#[test]
fn zero_width_and_bidi_controls() {
    let g = "don\u{200b}'t te\u{200c}ll \u{202e}your\u{202c} pa\u{200d}rents";
    assert_span(g, PARENTS, g);
    let s = "\u{202a}kil\u{2060}l\u{202c} my\u{feff}self";
    assert_span(s, KILL, "kil\u{2060}l\u{202c} my\u{feff}self");
    assert_span(
        "ki\u{00ad}ll my\u{200e}self",
        KILL,
        "ki\u{00ad}ll my\u{200e}self",
    );
}

#[test]
fn spacing_evasion() {
    assert_span("i will k i l l myself", KILL, "k i l l myself");
    assert_span("k.i.l.l m.y.s.e.l.f", KILL, "k.i.l.l m.y.s.e.l.f");
    assert_span("k - i - l - l myself", KILL, "k - i - l - l myself");
    assert_span(
        "d o n t tell your parents",
        PARENTS,
        "d o n t tell your parents",
    );
    assert_span(
        "d_o_n_t tell y_o_u_r parents",
        PARENTS,
        "d_o_n_t tell y_o_u_r parents",
    );
    // Fully spaced out, no word gaps left: matched through the phrase's compact form.
    assert_span("i'll k i l l m y s e l f", KILL, "k i l l m y s e l f");
    assert_span(
        "d o n t t e l l y o u r m o m",
        PARENTS,
        "d o n t t e l l y o u r m o m",
    );
}

#[test]
fn hashtags_and_run_together_phrases() {
    assert_span("#killmyself", KILL, "killmyself");
    assert_span("#donttellyourparents ok", PARENTS, "donttellyourparents");
    let a = engine().analyze("#sendnudes");
    assert!(a
        .matches
        .iter()
        .any(|m| m.lexicon_id == "groom.image.explicit"));
}

#[test]
fn repeated_letters() {
    assert_span("kiiiilllll myyyyselfff", KILL, "kiiiilllll myyyyselfff");
    assert_span(
        "dooon't telllll your parentsss",
        PARENTS,
        "dooon't telllll your parentsss",
    );
}

#[test]
fn accents() {
    assert_span("kíll mýsêlf", KILL, "kíll mýsêlf");
    assert_span(
        "dön't téll yòur pärents",
        PARENTS,
        "dön't téll yòur pärents",
    );
    // combining marks (strikethrough / stacked diacritics)
    let z = "k\u{336}i\u{336}l\u{336}l\u{336} myself";
    assert_span(z, KILL, z);
}

#[test]
fn html_tags_and_entities() {
    assert_span("i will k<b>il</b>l myself", KILL, "k<b>il</b>l myself");
    assert_span(
        "<p>kill</p> <span>myself</span>",
        KILL,
        "kill</p> <span>myself",
    );
    assert_span(
        "don't <i>tell</i> your par&#101;nts",
        PARENTS,
        "don't <i>tell</i> your par&#101;nts",
    );
    assert_span("&#107;ill&nbsp;myself", KILL, "&#107;ill&nbsp;myself");
    assert_span(
        "don&#x27;t tell your parents",
        PARENTS,
        "don&#x27;t tell your parents",
    );
}

#[test]
fn emoji_left_intact() {
    assert_span("kill myself 😭😭", KILL, "kill myself");
    assert_span(
        "🤫don't tell your parents🤫",
        PARENTS,
        "don't tell your parents",
    );
    let a = engine().analyze("🔪 kill myself 🔪");
    assert_eq!(a.matches.len(), 1);
}

#[test]
fn combined_techniques() {
    let g = "D0Ñ'T t€ll yоur ρаrеnts";
    assert_span(g, PARENTS, g);
    assert_span("K<b>1</b>LL mу$3lf!!!", KILL, "K<b>1</b>LL mу$3lf");
    assert_span("k . 1 . l . l   myself", KILL, "k . 1 . l . l   myself");
}

/// One labelled case of the torture set.
struct Case {
    text: &'static str,
    category: Option<Category>,
}

const fn pos(text: &'static str, c: Category) -> Case {
    Case {
        text,
        category: Some(c),
    }
}

const fn neg(text: &'static str) -> Case {
    Case {
        text,
        category: None,
    }
}

fn torture_set() -> Vec<Case> {
    use Category::*;
    vec![
        // grooming, evaded
        pos("don't tell your parents", Grooming),
        pos("d0nt t3ll ur m0m", Grooming),
        pos("d o n t tell your mom", Grooming),
        pos("dоn't tеll yоur pаrents", Grooming),
        pos("our l1ttle s3cret", Grooming),
        pos("ｄｅｌｅｔｅ ｔｈｉｓ ｃｈａｔ", Grooming),
        pos("add me on sn@p", Grooming),
        pos("add\u{200b} me on snap", Grooming),
        pos("send me a p<i>i</i>c", Grooming),
        pos("r u h0me al0ne", Grooming),
        pos("you're sooooo mature for your age", Grooming),
        pos("i c4n p1ck u up", Grooming),
        pos("whats ur snap?", Grooming),
        pos("s.e.n.d n.u.d.e.s", Grooming),
        pos("keep it between us 🤫", Grooming),
        pos("where do yóu live", Grooming),
        pos("I'll buy you a new phone", Grooming),
        pos("we should meet irl", Grooming),
        pos("nobody needs to know", Grooming),
        pos("what r u wearing", Grooming),
        // self-harm, evaded
        pos("i want to k<b>il</b>l myself", SelfHarm),
        pos("k i l l myself", SelfHarm),
        pos("k1ll mys3lf", SelfHarm),
        pos("ki11 myself", SelfHarm),
        pos("кіll myself", SelfHarm),
        pos("i w@nt to d1e", SelfHarm),
        pos("i wanna diiiie", SelfHarm),
        pos("su1c1dal again", SelfHarm),
        pos("end\u{200d} my life", SelfHarm),
        pos("𝐢 𝐰𝐚𝐧𝐭 𝐭𝐨 𝐝𝐢𝐞", SelfHarm),
        pos("i wrote my note", SelfHarm),
        pos("i cut myself again", SelfHarm),
        pos("how many pills would it take", SelfHarm),
        pos("i'm g0nna k1ll mys3lf tonight", SelfHarm),
        pos("better off without me", SelfHarm),
        // sexual, evaded
        pos("n u d e s?", Sexual),
        pos("r u h0rny", Sexual),
        pos("s3xy", Sexual),
        pos("what a c<b>u</b>nt", Sexual),
        pos("p0rn", Sexual),
        // benign look-alikes
        neg("I grew up in Scunthorpe"),
        neg("shiitake mushrooms are great"),
        neg("the cocktail bar in Essex"),
        neg("this homework is killing me"),
        neg("i'm dying to see that movie"),
        neg("we killed it at the recital"),
        neg("kill the lights please"),
        neg("i need to skill myself up"),
        neg("tell your parents I said hi"),
        neg("the sextant is in the cockpit"),
        neg("Penistone station"),
        neg("my grandma's secret recipe"),
        neg("delete this file please"),
        neg("the pilot skilled himself up"),
        neg("I had a great time at the meeting"),
        neg("what a beautiful sunset"),
        neg("can you pass the salt"),
        neg("my dog is so mature for a puppy"),
        neg("die hard is a christmas movie"),
        neg("therapist appointment at 5"),
    ]
}

#[test]
fn torture_set_f1() {
    let cases = torture_set();
    assert_eq!(cases.len(), 60);
    let (mut tp, mut fp, mut fneg) = (0u32, 0u32, 0u32);
    let mut misses = Vec::new();
    for c in &cases {
        let a = engine().analyze(c.text);
        let live: Vec<&TextMatch> = a.matches.iter().filter(|m| !m.is_negated()).collect();
        match c.category {
            Some(cat) => {
                if live.iter().any(|m| m.category == cat) {
                    tp += 1;
                } else {
                    fneg += 1;
                    misses.push(format!("missed {:?}", c.text));
                }
            }
            None => {
                if live.is_empty() {
                    continue;
                }
                fp += 1;
                misses.push(format!("false positive {:?}: {:?}", c.text, live));
            }
        }
    }
    let precision = f64::from(tp) / f64::from(tp + fp);
    let recall = f64::from(tp) / f64::from(tp + fneg);
    let f1 = 2.0 * precision * recall / (precision + recall);
    println!("torture set: tp={tp} fp={fp} fn={fneg} precision={precision:.3} recall={recall:.3} F1={f1:.3}");
    for m in &misses {
        println!("  {m}");
    }
    // rustrict scores 0.953 on its own 60-case set; we must beat it on ours.
    assert!(f1 > 0.953, "F1 {f1:.3}: {misses:#?}");
}
