//! A signed envelope as the HTTP routes read one (`serde_json` into `Envelope`), its canonical
//! (JCS) form and signature checks (`Envelope::verify_by`). Properties: the canonical bytes of
//! an envelope parse back to the same envelope and are their own canonical form; a payload with
//! a canonical form, signed, verifies, and any verification of the input ends in Ok or Err.
#![no_main]

use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;
use notar::crypto::envelope::Envelope;
use notar::model::canonical::canonical_value;

/// The key the seed envelopes are signed with (fuzz/seeds/envelope, made by the
/// `fuzz_seeds_envelope` test).
const SEED_KEY: [u8; 32] = [7; 32];

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(bytes) = canonical_value(&value) {
            let again: serde_json::Value =
                serde_json::from_slice(&bytes).expect("canonical JSON parses");
            assert_eq!(again, value);
            assert_eq!(canonical_value(&again).as_ref(), Ok(&bytes));
        }
    }
    let Ok(env) = serde_json::from_slice::<Envelope>(data) else {
        return;
    };
    let key = SigningKey::from_bytes(&SEED_KEY);
    let _ = env.verify_by(&key.verifying_key());
    let _ = env.expect_kind("order");
    let kids: Vec<String> = env.signer_key_ids().map(str::to_string).collect();
    for kid in kids.iter().take(2) {
        let _ = env.signature_by(kid);
    }
    if let Ok(bytes) = env.to_bytes() {
        let back: Envelope = serde_json::from_slice(&bytes).expect("an envelope's bytes parse");
        assert_eq!(back, env);
        assert_eq!(back.to_bytes().as_ref(), Ok(&bytes));
        let signed = Envelope::sign(&env.kind, env.payload.clone(), &key).expect("signable");
        signed
            .verify_by(&key.verifying_key())
            .expect("a fresh signature verifies");
    }
});
