//! The liability ledger (docs/design.md §6.3): the checks a guarantee request goes through, and the
//! per-agreement exposure that a guarantee reserves and a settlement or release returns.
//!
//! Like a pending transfer in a financial ledger, a guarantee counts against the cap the moment it
//! is granted, is closed (settled or released) at most once, and carries a deadline after which
//! the notary releases it.
//!
//! Exposure <= total_cap is checked as a pair. On write, every change of an account (open,
//! reserve, close) asserts 0 <= exposure <= cap afterwards, in every build: a violation is a bug,
//! and the panic stops the notary's sequencer before anything is signed on a wrong balance. On
//! read, [`Ledger::check_invariants`] re-checks every account when the ledger is rebuilt from
//! disk, and a failure there is an error: stored data that contradicts itself.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::money::Money;
use super::registry::{Agreement, KeyStanding};

/// Why a guarantee is refused. The order of the variants is the order of the checks: the first
/// failure wins. In JSON it is its [`Refusal::code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The agreement is suspended, ended, or outside its validity.
    AgreementInactive,
    /// The order's signature does not verify, or the order does not cover this request.
    BadOrderSignature,
    /// The order was signed with a key that is not one of the agreement's.
    KeyNotInAgreement,
    /// The signing key was revoked (or its certificate is out of validity).
    KeyRevoked,
    /// The amount is not in the agreement's currency.
    CurrencyMismatch,
    /// The amount is not positive, too large, or not the order's amount.
    BadAmount,
    /// The amount is above the per-transaction cap.
    PerTransactionCapExceeded,
    /// The amount is above what is left of the total cap.
    TotalCapExceeded,
    /// This order already has a guarantee, under this or another agreement of the same buyer.
    DuplicateTransaction,
}

impl Refusal {
    /// Every reason, in check order.
    pub const ALL: [Refusal; 9] = [
        Refusal::AgreementInactive,
        Refusal::BadOrderSignature,
        Refusal::KeyNotInAgreement,
        Refusal::KeyRevoked,
        Refusal::CurrencyMismatch,
        Refusal::BadAmount,
        Refusal::PerTransactionCapExceeded,
        Refusal::TotalCapExceeded,
        Refusal::DuplicateTransaction,
    ];

    /// The reason code on the wire (docs/design.md §6.3).
    pub fn code(self) -> &'static str {
        match self {
            Refusal::AgreementInactive => "agreement_inactive",
            Refusal::BadOrderSignature => "bad_order_signature",
            Refusal::KeyNotInAgreement => "key_not_in_agreement",
            Refusal::KeyRevoked => "key_revoked",
            Refusal::CurrencyMismatch => "currency_mismatch",
            Refusal::BadAmount => "bad_amount",
            Refusal::PerTransactionCapExceeded => "per_transaction_cap_exceeded",
            Refusal::TotalCapExceeded => "total_cap_exceeded",
            Refusal::DuplicateTransaction => "duplicate_transaction",
        }
    }

    /// Parses a wire code.
    pub fn from_code(code: &str) -> Option<Refusal> {
        Refusal::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// Why a guarantee was released (its amount returned to headroom without a settlement).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseReason {
    /// The transaction was cancelled (the default when a seller gives no reason).
    Cancelled,
    /// The exchange was aborted.
    Aborted,
    /// An arbitrator ruled it.
    Ruled,
    /// Unsettled past `expires_at` plus the policy's grace: only the notary releases this way.
    Expired,
}

impl ReleaseReason {
    /// The reasons a seller or an arbitrator may give (`expired` is the notary's alone).
    pub const CHOSEN: [ReleaseReason; 3] = [
        ReleaseReason::Cancelled,
        ReleaseReason::Aborted,
        ReleaseReason::Ruled,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseReason::Cancelled => "cancelled",
            ReleaseReason::Aborted => "aborted",
            ReleaseReason::Ruled => "ruled",
            ReleaseReason::Expired => "expired",
        }
    }

    /// A reason a caller chose, by its wire name; `None` for anything else, `expired` included.
    pub fn chosen(text: &str) -> Option<ReleaseReason> {
        ReleaseReason::CHOSEN
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

/// What the notary established about a request before deciding. Each field is a fact found by
/// the notary (signature checks are crypto's job); `decide` only applies the rules.
#[derive(Clone, Debug)]
pub struct RequestFacts<'a> {
    /// The agreement asked about.
    pub agreement: &'a Agreement,
    /// Now.
    pub now: DateTime<Utc>,
    /// The key id whose signature on the order verified (None: no valid signature, or the
    /// order does not name this seller).
    pub signed_by: Option<&'a str>,
    /// The standing of that key now.
    pub key_standing: KeyStanding,
    /// The amount asked for.
    pub amount: Money,
    /// The amount in the signed order.
    pub order_amount: Money,
    /// Outstanding exposure of the agreement, minor units.
    pub exposure_minor: i64,
    /// Whether this order already has a guarantee under any agreement of the buyer.
    pub duplicate: bool,
}

/// Applies the checks of docs/design.md §6.3 in order; `Ok` means grant.
pub fn decide(f: &RequestFacts<'_>) -> Result<(), Refusal> {
    let ag = f.agreement;
    if !ag.is_active_at(f.now) {
        return Err(Refusal::AgreementInactive);
    }
    let Some(key_id) = f.signed_by else {
        return Err(Refusal::BadOrderSignature);
    };
    if !ag.keys.iter().any(|k| k == key_id) {
        return Err(Refusal::KeyNotInAgreement);
    }
    if f.key_standing != KeyStanding::Good {
        return Err(Refusal::KeyRevoked);
    }
    if f.amount.currency != ag.currency {
        return Err(Refusal::CurrencyMismatch);
    }
    if !f.amount.is_positive_in_range() || f.amount != f.order_amount {
        return Err(Refusal::BadAmount);
    }
    if f.amount.minor > ag.per_tx_cap_minor {
        return Err(Refusal::PerTransactionCapExceeded);
    }
    // Both terms are bounded by MINOR_MAX, so the sum cannot overflow.
    if f.exposure_minor + f.amount.minor > ag.total_cap_minor {
        return Err(Refusal::TotalCapExceeded);
    }
    if f.duplicate {
        return Err(Refusal::DuplicateTransaction);
    }
    Ok(())
}

/// One outstanding guarantee's reservation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reservation {
    /// Agreement it counts against.
    pub agreement_id: String,
    /// Amount, minor units.
    pub amount_minor: i64,
    /// When the notary releases it if nobody settles or releases it first.
    pub release_at: DateTime<Utc>,
}

/// A ledger operation that the rules forbid; reaching one is a bug or corrupt data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// A reservation would take exposure over the cap.
    #[error("reserving {amount} on agreement {agreement} would exceed its total cap")]
    OverCap {
        /// Agreement.
        agreement: String,
        /// Minor units asked.
        amount: i64,
    },
    /// The guarantee id already holds a reservation.
    #[error("guarantee {0} is already reserved")]
    AlreadyReserved(String),
    /// Unknown agreement.
    #[error("no agreement {0} in the ledger")]
    UnknownAgreement(String),
}

/// Exposure per agreement and the outstanding reservations behind it.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    exposure: BTreeMap<String, (i64, i64)>, // agreement -> (exposure, total_cap)
    /// Ordered, not hashed: a hash map doubles its table all at once, and the sequencer holding
    /// a million reservations stopped for more than half a second under the state lock while
    /// it moved them (BENCHMARKS.md, "Growing maps"); a B-tree grows a node at a time.
    outstanding: BTreeMap<String, Reservation>,
    by_deadline: BTreeSet<(DateTime<Utc>, String)>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes an agreement known with its total cap (or updates the cap).
    ///
    /// # Panics
    /// If the cap would fall below the account's exposure (see the module doc).
    pub fn open_account(&mut self, agreement_id: &str, total_cap_minor: i64) {
        self.exposure
            .entry(agreement_id.to_string())
            .and_modify(|e| e.1 = total_cap_minor)
            .or_insert((0, total_cap_minor));
        self.assert_within_cap(agreement_id);
    }

    /// Outstanding exposure of an agreement (0 if unknown).
    pub fn exposure(&self, agreement_id: &str) -> i64 {
        self.exposure.get(agreement_id).map_or(0, |e| e.0)
    }

    /// An agreement's account: (outstanding exposure, total cap), minor units.
    pub fn account(&self, agreement_id: &str) -> Option<(i64, i64)> {
        self.exposure.get(agreement_id).copied()
    }

    /// Reserves `r.amount_minor` for guarantee `id`. Refuses anything that would break
    /// exposure <= total_cap, and asserts the account still holds it afterwards: the write-side
    /// half of the invariant (the read side is `check_invariants`, run when the ledger is rebuilt
    /// from disk).
    ///
    /// # Panics
    /// If the account was already outside 0..=cap (see the module doc).
    pub fn reserve(&mut self, id: &str, r: Reservation) -> Result<(), LedgerError> {
        if self.outstanding.contains_key(id) {
            return Err(LedgerError::AlreadyReserved(id.to_string()));
        }
        let acct = self
            .exposure
            .get_mut(&r.agreement_id)
            .ok_or_else(|| LedgerError::UnknownAgreement(r.agreement_id.clone()))?;
        let after = acct.0.checked_add(r.amount_minor);
        if r.amount_minor <= 0 || after.is_none_or(|e| e > acct.1) {
            return Err(LedgerError::OverCap {
                agreement: r.agreement_id.clone(),
                amount: r.amount_minor,
            });
        }
        acct.0 += r.amount_minor;
        self.assert_within_cap(&r.agreement_id);
        self.by_deadline.insert((r.release_at, id.to_string()));
        self.outstanding.insert(id.to_string(), r);
        Ok(())
    }

    /// Closes a reservation (settled, released, expired); returns it, or None if it was not
    /// outstanding. Asserts the account holds 0 <= exposure <= cap afterwards.
    ///
    /// # Panics
    /// If the reservation's account is missing or ends outside 0..=cap (see the module doc).
    pub fn close(&mut self, id: &str) -> Option<Reservation> {
        let r = self.outstanding.remove(id)?;
        self.by_deadline.remove(&(r.release_at, id.to_string()));
        let acct = self.exposure.get_mut(&r.agreement_id).expect(
            "a reservation's account exists: reserve requires it and accounts are never removed",
        );
        acct.0 -= r.amount_minor;
        self.assert_within_cap(&r.agreement_id);
        Some(r)
    }

    /// The write-side check of exposure <= total_cap, after every change of an account.
    fn assert_within_cap(&self, agreement_id: &str) {
        if let Some(&(exposure, cap)) = self.exposure.get(agreement_id) {
            assert!(
                (0..=cap).contains(&exposure),
                "ledger invariant broken: agreement {agreement_id}: exposure {exposure} outside 0..={cap}"
            );
        }
    }

    /// The reservation of an outstanding guarantee.
    pub fn outstanding(&self, id: &str) -> Option<&Reservation> {
        self.outstanding.get(id)
    }

    /// Number of outstanding guarantees.
    pub fn outstanding_count(&self) -> usize {
        self.outstanding.len()
    }

    /// Up to `limit` guarantees whose release time is at or before `now`, earliest first.
    pub fn due(&self, now: DateTime<Utc>, limit: usize) -> Vec<String> {
        self.due_after(now, None)
            .take(limit)
            .map(|(_, id)| id.clone())
            .collect()
    }

    /// The guarantees whose release time is at or before `now`, earliest first, as
    /// `(release time, id)`, from just after `after` (one such pair), or from the first: a scan
    /// that passes some by goes on from the last it looked at instead of meeting them again.
    pub fn due_after<'a>(
        &'a self,
        now: DateTime<Utc>,
        after: Option<&(DateTime<Utc>, String)>,
    ) -> impl Iterator<Item = &'a (DateTime<Utc>, String)> + 'a {
        let from = match after {
            Some(a) => Bound::Excluded(a.clone()),
            None => Bound::Unbounded,
        };
        self.by_deadline
            .range((from, Bound::Unbounded))
            .take_while(move |(at, _)| *at <= now)
    }

    /// Checks that every account's exposure is the sum of its reservations and within its cap.
    pub fn check_invariants(&self) -> Result<(), String> {
        let mut sums: HashMap<&str, i64> = HashMap::new();
        for r in self.outstanding.values() {
            *sums.entry(r.agreement_id.as_str()).or_default() += r.amount_minor;
        }
        for (id, (exposure, cap)) in &self.exposure {
            let sum = sums.get(id.as_str()).copied().unwrap_or(0);
            if *exposure != sum {
                return Err(format!(
                    "agreement {id}: exposure {exposure} != outstanding {sum}"
                ));
            }
            if *exposure > *cap || *exposure < 0 {
                return Err(format!(
                    "agreement {id}: exposure {exposure} outside 0..={cap}"
                ));
            }
        }
        if self.by_deadline.len() != self.outstanding.len() {
            return Err("deadline index out of step with reservations".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::money::Currency;

    #[test]
    fn release_reasons_a_caller_may_choose_exclude_expired() {
        for r in ReleaseReason::CHOSEN {
            assert_eq!(ReleaseReason::chosen(r.as_str()), Some(r));
            assert_ne!(r, ReleaseReason::Expired);
        }
        assert_eq!(ReleaseReason::chosen("expired"), None);
        assert_eq!(ReleaseReason::chosen("Cancelled"), None);
        assert_eq!(
            serde_json::to_value(ReleaseReason::Expired).expect("json"),
            "expired"
        );
    }

    #[test]
    fn refusals_serialise_as_their_codes() {
        for r in Refusal::ALL {
            assert_eq!(serde_json::to_value(r).expect("json"), r.code());
            assert_eq!(Refusal::from_code(r.code()), Some(r));
        }
    }
    use crate::model::policy::PolicyRef;
    use crate::model::registry::AgreementStatus;
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0)
            .single()
            .expect("time")
    }

    fn eur(minor: i64) -> Money {
        Money {
            minor,
            currency: Currency::parse("EUR").expect("EUR"),
        }
    }

    fn agreement() -> Agreement {
        Agreement {
            id: "ag-bob".into(),
            buyer_id: "bob".into(),
            policy: PolicyRef {
                id: "semper-consumer".into(),
                version: 1,
                digest: "00".into(),
            },
            currency: Currency::parse("EUR").expect("EUR"),
            total_cap_minor: 100_000,
            per_tx_cap_minor: 50_000,
            valid_from: t0() - Duration::days(30),
            valid_until: t0() + Duration::days(365),
            keys: vec!["kb1".into()],
            status: AgreementStatus::Active,
            created_at: t0() - Duration::days(30),
            log_index: 1,
        }
    }

    fn facts(ag: &Agreement, amount: i64, exposure: i64) -> RequestFacts<'_> {
        RequestFacts {
            agreement: ag,
            now: t0(),
            signed_by: Some("kb1"),
            key_standing: KeyStanding::Good,
            amount: eur(amount),
            order_amount: eur(amount),
            exposure_minor: exposure,
            duplicate: false,
        }
    }

    #[test]
    fn c1_within_both_caps_is_granted() {
        let ag = agreement();
        assert_eq!(decide(&facts(&ag, 30_000, 0)), Ok(()));
        assert_eq!(decide(&facts(&ag, 50_000, 50_000)), Ok(()));
    }

    #[test]
    fn each_check_has_its_reason_and_the_first_failure_wins() {
        let ag = agreement();
        assert_eq!(
            decide(&facts(&ag, 50_001, 0)),
            Err(Refusal::PerTransactionCapExceeded)
        );
        assert_eq!(
            decide(&facts(&ag, 30_000, 80_000)),
            Err(Refusal::TotalCapExceeded)
        );
        let mut f = facts(&ag, 30_000, 0);
        f.duplicate = true;
        assert_eq!(decide(&f), Err(Refusal::DuplicateTransaction));
        f.amount = eur(0);
        f.order_amount = eur(0);
        assert_eq!(decide(&f), Err(Refusal::BadAmount));
        f.amount = eur(-5);
        assert_eq!(decide(&f), Err(Refusal::BadAmount));
        f.amount = eur(100);
        f.order_amount = eur(200);
        assert_eq!(decide(&f), Err(Refusal::BadAmount));
        f.amount.currency = Currency::parse("USD").expect("USD");
        assert_eq!(decide(&f), Err(Refusal::CurrencyMismatch));
        f.key_standing = KeyStanding::Revoked;
        assert_eq!(decide(&f), Err(Refusal::KeyRevoked));
        f.signed_by = Some("other");
        assert_eq!(decide(&f), Err(Refusal::KeyNotInAgreement));
        f.signed_by = None;
        assert_eq!(decide(&f), Err(Refusal::BadOrderSignature));
        let mut suspended = ag.clone();
        suspended.status = AgreementStatus::Suspended;
        let mut f2 = f.clone();
        f2.agreement = &suspended;
        assert_eq!(decide(&f2), Err(Refusal::AgreementInactive));
    }

    #[test]
    fn validity_bounds_the_agreement() {
        let mut ag = agreement();
        ag.valid_until = t0();
        assert_eq!(decide(&facts(&ag, 100, 0)), Err(Refusal::AgreementInactive));
        ag.valid_until = t0() + Duration::seconds(1);
        ag.valid_from = t0() + Duration::milliseconds(1);
        assert_eq!(decide(&facts(&ag, 100, 0)), Err(Refusal::AgreementInactive));
    }

    #[test]
    fn codes_round_trip() {
        for r in Refusal::ALL {
            assert_eq!(Refusal::from_code(r.code()), Some(r));
        }
    }

    #[test]
    fn ledger_reserves_closes_and_finds_due() {
        let mut l = Ledger::new();
        l.open_account("a", 1000);
        let r = |amount, s| Reservation {
            agreement_id: "a".into(),
            amount_minor: amount,
            release_at: t0() + Duration::seconds(s),
        };
        l.reserve("g1", r(600, 10)).expect("ok");
        assert!(matches!(
            l.reserve("g2", r(401, 5)),
            Err(LedgerError::OverCap { .. })
        ));
        l.reserve("g2", r(400, 5)).expect("ok");
        assert_eq!(l.exposure("a"), 1000);
        assert_eq!(
            l.due(t0() + Duration::seconds(5), 10),
            vec!["g2".to_string()]
        );
        assert_eq!(l.close("g2").map(|r| r.amount_minor), Some(400));
        assert_eq!(l.close("g2"), None);
        assert_eq!(l.exposure("a"), 600);
        l.check_invariants().expect("invariants");
        assert!(matches!(
            l.reserve("g1", r(1, 1)),
            Err(LedgerError::AlreadyReserved(_))
        ));
        assert!(matches!(
            l.reserve(
                "g9",
                Reservation {
                    agreement_id: "zz".into(),
                    ..r(1, 1)
                }
            ),
            Err(LedgerError::UnknownAgreement(_))
        ));
    }

    /// A ledger with one account `a` (cap 1000) holding `g1` (600).
    fn ledger_with_600_of_1000() -> Ledger {
        let mut l = Ledger::new();
        l.open_account("a", 1000);
        let r = Reservation {
            agreement_id: "a".into(),
            amount_minor: 600,
            release_at: t0(),
        };
        l.reserve("g1", r).expect("within the cap");
        l
    }

    #[test]
    #[should_panic(expected = "agreement a: exposure 600 outside 0..=500")]
    fn lowering_a_cap_below_the_exposure_is_caught_on_write() {
        ledger_with_600_of_1000().open_account("a", 500);
    }

    #[test]
    #[should_panic(expected = "agreement a: exposure -500 outside 0..=1000")]
    fn a_close_leaving_the_exposure_outside_the_cap_is_caught_on_write() {
        let mut l = ledger_with_600_of_1000();
        // Broken on purpose, as a bug elsewhere in the ledger would: the account lost 500.
        l.exposure.insert("a".into(), (100, 1000));
        l.close("g1");
    }

    #[test]
    #[should_panic(expected = "agreement a: exposure -400 outside 0..=1000")]
    fn a_reserve_leaving_the_exposure_outside_the_cap_is_caught_on_write() {
        let mut l = ledger_with_600_of_1000();
        l.exposure.insert("a".into(), (-500, 1000));
        let r = Reservation {
            agreement_id: "a".into(),
            amount_minor: 100,
            release_at: t0(),
        };
        let _ = l.reserve("g2", r);
    }

    #[test]
    fn an_exposure_out_of_step_is_caught_on_read() {
        let mut l = ledger_with_600_of_1000();
        l.check_invariants().expect("consistent");
        l.exposure.insert("a".into(), (700, 1000));
        let e = l
            .check_invariants()
            .expect_err("700 is not the 600 reserved");
        assert!(e.contains("exposure 700 != outstanding 600"), "{e}");
        l.exposure.insert("a".into(), (600, 500));
        let e = l.check_invariants().expect_err("600 is over the cap");
        assert!(e.contains("outside 0..=500"), "{e}");
    }

    #[derive(Clone, Debug)]
    enum Op {
        Reserve(u8, i64, i64),
        Close(u8),
        Expire(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u8..16, -5i64..600, 0i64..100).prop_map(|(g, a, s)| Op::Reserve(g, a, s)),
            (0u8..16).prop_map(Op::Close),
            (0i64..100).prop_map(Op::Expire),
        ]
    }

    proptest! {
        /// The ledger against the plainest model: a list of (id, amount, deadline).
        #[test]
        fn ledger_matches_a_plain_model(ops in proptest::collection::vec(op(), 1..120)) {
            let cap = 1000;
            let mut l = Ledger::new();
            l.open_account("a", cap);
            let mut model: Vec<(String, i64, i64)> = Vec::new();
            for o in ops {
                match o {
                    Op::Reserve(g, amount, s) => {
                        let id = format!("g{g}");
                        let sum: i64 = model.iter().map(|m| m.1).sum();
                        let ok = !model.iter().any(|m| m.0 == id) && amount > 0 && sum + amount <= cap;
                        let got = l.reserve(&id, Reservation {
                            agreement_id: "a".into(),
                            amount_minor: amount,
                            release_at: t0() + Duration::seconds(s),
                        });
                        prop_assert_eq!(got.is_ok(), ok);
                        if ok { model.push((id, amount, s)); }
                    }
                    Op::Close(g) => {
                        let id = format!("g{g}");
                        let pos = model.iter().position(|m| m.0 == id);
                        let got = l.close(&id).map(|r| r.amount_minor);
                        prop_assert_eq!(got, pos.map(|p| model.remove(p).1));
                    }
                    Op::Expire(s) => {
                        let now = t0() + Duration::seconds(s);
                        for id in l.due(now, usize::MAX) {
                            l.close(&id);
                        }
                        model.retain(|m| m.2 > s);
                    }
                }
                let sum: i64 = model.iter().map(|m| m.1).sum();
                prop_assert_eq!(l.exposure("a"), sum);
                prop_assert!(sum <= cap);
                prop_assert_eq!(l.outstanding_count(), model.len());
                prop_assert!(l.check_invariants().is_ok());
            }
        }
    }
}
