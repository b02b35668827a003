//! A policy file as the notary loads one (`notary::policies::load`): UTF-8 text, `parse_policy`,
//! then the policy book. Properties: an accepted policy
//! keeps the invariants the ledger relies on (version >= 1, 0 < per_tx_cap <= total_cap,
//! positive durations, the digest of the exact bytes), parses again to the same value, and
//! inserting it twice is a no-op that a reference finds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use notar::model::policy::{parse_policy, PolicyBook};
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(p) = parse_policy("fuzz.toml", text) else {
        return;
    };
    assert!(p.version >= 1);
    assert!(0 < p.per_tx_cap_minor && p.per_tx_cap_minor <= p.total_cap_minor);
    for s in [
        p.guarantee_validity_s,
        p.release_grace_s,
        p.dispute_window_s,
        p.complaint_response_time_s,
        p.exchange_default_deadline_s,
    ] {
        assert!(s > 0);
    }
    assert_eq!(p.digest, hex_sha256(data));
    assert_eq!(parse_policy("again.toml", text).as_ref(), Ok(&p));
    let mut book = PolicyBook::new();
    book.insert(p.clone()).expect("a new policy goes in");
    book.insert(p.clone())
        .expect("the same file again is a no-op");
    assert_eq!(book.get(&p.reference()), Some(&p));
});

fn hex_sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
