//! Fuzz target: transparency-log material that arrives with updates or from storage: signed
//! tree heads, log proofs, an issuer's stored log, and the Merkle proof checks on what parses.
//! The first byte picks what the rest is.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight::lists::log::{
    verify_consistency, verify_inclusion, verify_update, IssuerLog, LogProof, SignedTreeHead,
};
use preflight::lists::{IssuerSecretKey, TrustedKeys};
use preflight_fuzz::{mib, within_bounds, Bounds};
use std::sync::OnceLock;
use std::time::Duration;

fn bounds(len: usize) -> Bounds {
    Bounds {
        what: "parse + verify one log item",
        max_heap: mib(2) + 8 * len,
        max_time: Duration::from_millis(500),
    }
}

fn keys() -> &'static TrustedKeys {
    static K: OnceLock<TrustedKeys> = OnceLock::new();
    K.get_or_init(|| TrustedKeys::new(vec![IssuerSecretKey::from_seed(&[7; 32]).public()]))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let keys = keys();
    within_bounds(bounds(data.len()), || match mode % 3 {
        0 => {
            if let Ok(head) = SignedTreeHead::from_bytes(rest) {
                let _ = head.verify(keys);
                assert_eq!(
                    SignedTreeHead::from_bytes(&head.to_bytes()).ok(),
                    Some(head)
                );
            }
        }
        1 => {
            if let Ok(proof) = LogProof::from_bytes(rest) {
                let digest = proof.list_digest;
                let _ = verify_update(&proof, &digest, None, keys);
                let _ = verify_update(&proof, &digest, Some(&proof.head), keys);
            }
        }
        _ => {
            if let Ok(log) = IssuerLog::from_bytes(rest) {
                let leaves = log.leaves();
                let root = log.root();
                let n = leaves.len() as u64;
                for (i, leaf) in leaves.iter().enumerate().take(8) {
                    let path = preflight::lists::log::inclusion_path(i, leaves);
                    let leaf = preflight::lists::log::leaf_hash(leaf);
                    assert!(verify_inclusion(i as u64, n, &leaf, &path, &root));
                }
                if n > 1 {
                    let m = (n / 2) as usize;
                    let old = preflight::lists::log::root(&leaves[..m]);
                    let path = preflight::lists::log::consistency_path(m, leaves);
                    assert!(verify_consistency(m as u64, n, &old, &root, &path));
                }
            }
        }
    });
});
