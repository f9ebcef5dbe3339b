//! Scope and exfiltration promises that can be checked mechanically: the library has no
//! networking code or networking dependency (verdicts and evidence stay on the device), and
//! every list match names the list version and the public digest it came from (so what a
//! device matched against can be audited against the issuer's published digest).

use preflight::hash::crypto::CryptoHashes;
use preflight::lists::{HashKind, HashList, IssuerSecretKey, ListBuilder, TrustedKeys};
use preflight::{Evidence, Scanner, ScannerConfig};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_library_contains_no_networking() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 10);
    // The CLI (src/bin) and the binding generator are tools, not the on-device library.
    let library = files
        .iter()
        .filter(|p| !p.starts_with(root.join("src/bin")));
    for f in library {
        let text = std::fs::read_to_string(f).unwrap();
        for needle in [
            "std::net",
            "TcpStream",
            "UdpSocket",
            "TcpListener",
            "ToSocketAddrs",
        ] {
            assert!(!text.contains(needle), "{} uses {needle}", f.display());
        }
    }
    // No HTTP/network client among the dependencies.
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let deps: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
        .collect();
    for client in [
        "reqwest",
        "ureq",
        "hyper",
        "curl",
        "isahc",
        "surf",
        "attohttpc",
        "tokio",
    ] {
        assert!(!deps.contains(&client), "Cargo.toml depends on {client}");
    }
}

#[test]
fn list_evidence_names_the_public_digest_of_the_list() {
    let key = IssuerSecretKey::from_seed(&[8u8; 32]);
    let image = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdq/images/wee.jpg"),
    )
    .unwrap();
    let mut b = ListBuilder::new(3, 1_700_000_000);
    let org = b.add_org("org-a").unwrap();
    b.add(
        HashKind::Md5,
        &CryptoHashes::of(&image).md5,
        1 << org,
        "x",
        "test",
    )
    .unwrap();
    let bytes = b.build(&key).unwrap();
    // The published digest is SHA-256 of the signed body: anyone holding the file can check it.
    let published =
        preflight::lists::kinds::hex_encode(&Sha256::digest(&bytes[..bytes.len() - 96]));
    let list = HashList::from_bytes(bytes.clone(), &TrustedKeys::new(vec![key.public()])).unwrap();
    assert_eq!(list.info().digest_hex, published);

    let s = Scanner::new(ScannerConfig {
        trusted_list_keys: vec![key.public().to_hex()],
        ..ScannerConfig::default()
    })
    .unwrap();
    s.apply_list_update(&bytes, false).unwrap();
    assert_eq!(s.list_info().digest_hex, published);
    let v = s.scan_image(&image).unwrap();
    match &v.signals[0].evidence[0] {
        Evidence::ListMatch {
            list_version,
            list_digest,
            sources,
            ..
        } => {
            assert_eq!(
                (*list_version, list_digest.as_str()),
                (3, published.as_str())
            );
            assert_eq!(sources, &vec!["org-a".to_string()]);
        }
        other => panic!("{other:?}"),
    }
}
