//! Evidence bundles (`notar-bundle/1`, docs/formats.md "Evidence bundle"): one self-contained file
//! holding a dispute's claim, every evidence item, the registry facts the rules need, the notary's
//! public keys and one checkpoint, with a C2SP tlog-proof for every notary-signed item. Anyone
//! checks a bundle offline with [`verify`]; the rule engine (`model::dispute`) consumes the
//! per-item [`ItemFacts`] of the [`Report`].
//!
//! Layer: beside `notary`, above `model`, `crypto` and `log` (it uses their checks, holds no
//! state and does no I/O); the notary builds bundles with it and the CLI verifies them.

mod adjudicate;
mod answer;
mod counter;
mod feed;
mod format;
mod format_wire;
mod join;
mod par;
mod parse;
mod proof;
mod terms;
mod verify;

pub use adjudicate::{replay, Replay, ReplayError, NO_AGREEMENT};
pub use answer::{AnswerFacts, Answered};
pub use counter::CounterClaim;
pub use format::{envelope_id, Bundle, Claim, Item, NotaryKeys, BUNDLE_LEN_MAX, FORMAT};
pub use proof::{TlogProof, TlogProofError, TLOG_PROOF_HEADER};
pub use verify::{
    verify, CheckpointFacts, ClaimFacts, ItemFacts, ItemReport, LogFacts, Report, Section, Signer,
    Unreadable, TSA_UNPROVEN,
};
