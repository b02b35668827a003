use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::plan::{want, PLANNED_REASONS};
use super::*;
use crate::model::money::Currency;

fn caps() -> BTreeMap<String, PolicyCaps> {
    let eur = Currency::parse("EUR").expect("EUR");
    let mut m = BTreeMap::new();
    m.insert(
        "semper-consumer".into(),
        PolicyCaps {
            total_cap_minor: 100_000,
            per_tx_cap_minor: 50_000,
            currency: eur,
        },
    );
    m.insert(
        "semper-business".into(),
        PolicyCaps {
            total_cap_minor: 5_000_000,
            per_tx_cap_minor: 1_000_000,
            currency: eur,
        },
    );
    m
}

#[test]
fn the_plan_is_what_the_file_says_and_the_same_every_time() {
    let spec = Spec::builtin().expect("spec");
    let p = plan(&spec, &caps()).expect("plan");
    let q = plan(&spec, &caps()).expect("plan");
    let ids = |p: &Plan| -> Vec<(String, i64)> {
        p.first
            .iter()
            .chain(&p.last)
            .map(|a| (a.request_id.clone(), a.amount.minor))
            .collect()
    };
    assert_eq!(ids(&p), ids(&q));
    assert_eq!(p.first.len() + p.last.len(), spec.guarantees.requests);
    let granted = p.first.iter().filter(|a| a.expect.is_none()).count();
    assert_eq!(granted, spec.granted());
    for r in PLANNED_REASONS {
        let n = p
            .first
            .iter()
            .chain(&p.last)
            .filter(|a| a.expect == Some(r))
            .count();
        assert_eq!(n, want(&spec, r), "{}", r.code());
    }
    assert_eq!(p.closings.len(), spec.settled() + spec.released());
}

#[test]
fn buyer_keys_are_derived_from_the_name() {
    let k = buyer_key("Bob Meier", 1);
    let expected: [u8; 32] = Sha256::digest(b"notar-sample-buyer-Bob Meier1").into();
    assert_eq!(k.to_bytes(), expected);
    assert_ne!(buyer_key("Bob Meier", 2).to_bytes(), expected);
}
