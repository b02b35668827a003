//! One admin protocol request line as the admin socket reads it (`api::admin::parse_request`,
//! the step before dispatch). Properties: an accepted request serialises and parses back to
//! itself; a refusal serialises (it is written back as a line).
#![no_main]

use libfuzzer_sys::fuzz_target;
use notar::api::admin::parse_request;
use notar::api::admin::proto::{Request, Response, LINE_LEN_MAX};

fuzz_target!(|data: &[u8]| {
    if data.len() > LINE_LEN_MAX {
        return;
    }
    match parse_request(data) {
        Ok(req) => {
            let line = serde_json::to_vec(&req).expect("a request serialises");
            let back: Request = serde_json::from_slice(&line).expect("and parses back");
            assert_eq!(back, req);
        }
        Err((id, error)) => {
            let refusal = Response::Err { id, error };
            serde_json::to_vec(&refusal).expect("a refusal serialises");
        }
    }
});
