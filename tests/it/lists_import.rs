//! Importer tests: HMA/ThreatExchange lines and CSV/TSV, with every invalid row reported by
//! its line number and valid rows landing in the built list with their sources and labels.

use preflight::lists::{
    import_csv, import_hma, CsvOptions, HashKind, HashList, IssuerSecretKey, ListBuilder,
    ListError, TrustedKeys,
};
use std::io::BufReader;

fn fixture(name: &str) -> BufReader<std::fs::File> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lists")
        .join(name);
    BufReader::new(std::fs::File::open(path).unwrap())
}

fn finish(b: &ListBuilder) -> HashList {
    let k = IssuerSecretKey::from_seed(&[3; 32]);
    HashList::from_bytes(b.build(&k).unwrap(), &TrustedKeys::new(vec![k.public()])).unwrap()
}

#[test]
fn hma_lines_import_and_bad_lines_are_reported() {
    let mut b = ListBuilder::new(1, 0);
    let report = import_hma(
        fixture("hma_sample.txt"),
        &mut b,
        Some("NCMEC"),
        "hma",
        "csam",
    )
    .unwrap();
    assert_eq!(report.rows, 13);
    assert_eq!(report.added, 9);
    let lines: Vec<usize> = report.issues.iter().map(|i| i.line).collect();
    assert_eq!(lines, vec![12, 13, 14, 15]);
    assert!(
        report.issues[0].message.contains("64 hex"),
        "{}",
        report.issues[0].message
    );
    assert!(report.issues[2].message.contains("unknown hash kind"));
    // into_result refuses a partial import and keeps every issue.
    match report.clone().into_result() {
        Err(ListError::Import { issues }) => assert_eq!(issues.len(), 4),
        other => panic!("expected Import error, got {other:?}"),
    }
    let list = finish(&b);
    assert_eq!(list.len(HashKind::Pdq), 8);
    assert_eq!(list.len(HashKind::Md5), 1);
    let upper = HashKind::Pdq
        .parse_hex("AEE610558292023758A4229DDCF75F167C9904313A83CF795232ED7F7E2131C9")
        .unwrap();
    let upper: [u8; 32] = upper.try_into().unwrap();
    let m = list.match_pdq(&[upper], 0);
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].source_org_names, vec!["NCMEC"]);
    assert_eq!(
        (m[0].label.as_str(), m[0].category.as_str()),
        ("hma", "csam")
    );
}

#[test]
fn csv_rows_import_with_sources_labels_and_line_numbers() {
    let mut b = ListBuilder::new(1, 0);
    let report = import_csv(fixture("sample.csv"), &mut b, &CsvOptions::default()).unwrap();
    assert_eq!(report.rows, 10);
    assert_eq!(report.added, 6);
    let lines: Vec<usize> = report.issues.iter().map(|i| i.line).collect();
    assert_eq!(lines, vec![8, 9, 10, 11]);
    let list = finish(&b);
    assert_eq!(list.orgs(), ["NCMEC", "IWF", "Tech, Coalition"]);
    let sha = HashKind::Sha256
        .parse_hex("0012a3fa000c5dc26ee658c3c58e12cecd58d6455cec3d5621f0c787675b38aa")
        .unwrap();
    let m = list.match_exact(HashKind::Sha256, &sha);
    assert_eq!(m[0].label, "label, with comma");
    assert_eq!(m[0].source_org_names, vec!["Tech, Coalition"]);
    assert_eq!(m[0].category, "terror");
    let pdq: [u8; 32] = HashKind::Pdq
        .parse_hex("9c0abe51c6e6655d81de2d044d4fb194931f058c0426c67c7285d8f5657ed64a")
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(list.match_pdq(&[pdq], 0)[0].source_orgs, 0b11);
    let phash = u64::from_str_radix("d0bf3e6ee1d668de", 16).unwrap();
    let m = list.match_phash(phash, 0);
    assert_eq!((m[0].label.as_str(), m[0].source_orgs), ("B2", 0));
}

#[test]
fn tsv_with_kind_named_column_and_defaults() {
    let mut b = ListBuilder::new(1, 0);
    let opts = CsvOptions {
        delimiter: b'\t',
        default_kind: None,
        default_source: Some("fallback".into()),
        default_label: "unlabelled".into(),
        default_category: "csam".into(),
    };
    let report = import_csv(fixture("sample.tsv"), &mut b, &opts).unwrap();
    assert_eq!((report.rows, report.added), (3, 2));
    assert_eq!(report.issues[0].line, 4);
    let list = finish(&b);
    assert_eq!(list.len(HashKind::Pdq), 2);
    assert_eq!(list.orgs(), ["NCMEC", "IWF"]);
    let e: Vec<_> = list.entries(HashKind::Pdq).collect();
    assert!(e.iter().all(|e| e.category == "csam"));
}

#[test]
fn csv_without_hash_column_is_an_error_on_line_one() {
    let mut b = ListBuilder::new(1, 0);
    let report = import_csv(&b"name,value\nx,y\n"[..], &mut b, &CsvOptions::default()).unwrap();
    assert_eq!(report.issues.len(), 1);
    assert_eq!(report.issues[0].line, 1);
    assert!(report.issues[0].message.contains("no hash column"));
    let report = import_csv(&b""[..], &mut b, &CsvOptions::default()).unwrap();
    assert_eq!(report.issues[0].message, "input has no header row");
}

#[test]
fn more_than_64_orgs_is_reported_per_row() {
    let mut text = String::from("hash,kind,source\n");
    for i in 0..70 {
        text.push_str(&format!("{:032x},md5,org{i}\n", i));
    }
    let mut b = ListBuilder::new(1, 0);
    let report = import_csv(text.as_bytes(), &mut b, &CsvOptions::default()).unwrap();
    assert_eq!(report.added, 64);
    assert_eq!(report.issues.len(), 6);
    assert_eq!(report.issues[0].line, 66);
    assert!(report.issues[0].message.contains("at most 64"));
}
