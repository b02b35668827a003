//! An evidence bundle (`notar-bundle/1`) as `notar bundle verify` and `notar replay` read one:
//! `replay::verify` (offline verification) and `replay::replay` (verification, the join to
//! the rule engine, adjudication). Properties: both agree on whether the bytes are a bundle and
//! on the verification report's verdict.
#![no_main]

use libfuzzer_sys::fuzz_target;
use notar::replay::{replay, verify, ReplayError};

fuzz_target!(|data: &[u8]| {
    let report = verify(data);
    match (replay(data), report) {
        (Ok(r), Ok(report)) => assert_eq!(r.report.ok(), report.ok()),
        (Err(ReplayError::Unreadable(_)), Err(_)) => {}
        (Err(ReplayError::Unreadable(e)), Ok(_)) => panic!("replay: unreadable ({e}), verify: ok"),
        (Ok(_), Err(e)) => panic!("replay: ok, verify: unreadable ({e})"),
        (Err(_), Ok(_)) => {}
        (Err(e), Err(u)) => panic!("replay: {e}, verify: unreadable ({u})"),
    }
});
