//! Parties, their keys and agreements, as the notary records them (docs/design.md §6.2). Plain data and
//! the rules about it; the notary owns the only copy that changes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::money::Currency;
use super::policy::PolicyRef;

/// Validity of an agreement when its creator gives no end date.
pub const AGREEMENT_VALIDITY_DAYS_DEFAULT: i64 = 365;

/// Longest display name, in bytes.
pub const NAME_LEN_MAX: usize = 128;

/// What a party does under the agreements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Takes on liability; signs orders.
    Buyer,
    /// Asks for guarantees over HTTP with an API token.
    Seller,
}

impl Role {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Buyer => "buyer",
            Role::Seller => "seller",
        }
    }

    /// Parses `buyer` / `seller`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "buyer" => Some(Role::Buyer),
            "seller" => Some(Role::Seller),
            _ => None,
        }
    }
}

/// A registered party.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// UUIDv7.
    pub id: String,
    /// Display name (checked by `check_name`).
    pub name: String,
    /// Buyer or seller.
    pub role: Role,
    /// When the notary registered it.
    pub registered_at: DateTime<Utc>,
    /// Log index of the signed registration.
    pub log_index: u64,
}

/// Where a key came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum KeySource {
    /// A raw Ed25519 public key handed over by the party.
    Raw,
    /// An Ed25519 key in an X.509 certificate issued by a configured CA.
    X509 {
        /// Certificate serial, lowercase hex.
        serial_hex: String,
        /// Subject DN.
        subject: String,
        /// Issuer DN.
        issuer: String,
        /// Key id of the CA root it chains to.
        ca_key_id: String,
        /// Validity start.
        not_before: DateTime<Utc>,
        /// Validity end: after it the key no longer signs orders the notary guarantees.
        not_after: DateTime<Utc>,
    },
}

/// Where a key came from, without the certificate's details: `raw` or `x509`, the names of
/// [`KeySource`]'s `type` tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySourceKind {
    /// A raw Ed25519 public key.
    Raw,
    /// A key in an X.509 certificate.
    X509,
}

impl KeySourceKind {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeySourceKind::Raw => "raw",
            KeySourceKind::X509 => "x509",
        }
    }
}

impl KeySource {
    /// Which kind of source this is.
    pub fn kind(&self) -> KeySourceKind {
        match self {
            KeySource::Raw => KeySourceKind::Raw,
            KeySource::X509 { .. } => KeySourceKind::X509,
        }
    }
}

/// A key's revocation. `registered_at` (when the notary learned of it) is authoritative for the
/// notary's own decisions; `claimed_at` is what the CRL or the party said, kept for disputes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revocation {
    /// When the notary registered the revocation.
    pub registered_at: DateTime<Utc>,
    /// Why (free text or a CRL reason name).
    pub reason: String,
    /// `manual` or `crl`.
    pub source: String,
    /// Revocation date claimed by the source, if any.
    #[serde(default)]
    pub claimed_at: Option<DateTime<Utc>>,
    /// Log index of the signed revocation.
    pub log_index: u64,
}

/// A registered public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// Hex SHA-256 of the raw public key.
    pub key_id: String,
    /// Owner.
    pub party_id: String,
    /// Raw Ed25519 public key, hex.
    pub public_key: String,
    /// Raw key or certificate.
    pub source: KeySource,
    /// When the notary registered it.
    pub registered_at: DateTime<Utc>,
    /// Log index of the signed registration.
    pub log_index: u64,
    /// Set once; never cleared.
    #[serde(default)]
    pub revocation: Option<Revocation>,
}

/// A key's standing at one instant, as the notary decides it. On the wire a good key is
/// `not_revoked`, the name guarantees use for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStanding {
    /// Usable.
    #[serde(rename = "not_revoked")]
    Good,
    /// A revocation was registered at or before that instant.
    Revoked,
    /// Its certificate is not valid at that instant.
    CertificateOutOfValidity,
}

impl KeyStanding {
    /// Wire name: `not_revoked`, `revoked` or `certificate_out_of_validity`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStanding::Good => "not_revoked",
            KeyStanding::Revoked => "revoked",
            KeyStanding::CertificateOutOfValidity => "certificate_out_of_validity",
        }
    }
}

impl KeyRecord {
    /// The key's standing at `at`: revoked from the notary's registration time on.
    pub fn standing_at(&self, at: DateTime<Utc>) -> KeyStanding {
        if let Some(r) = &self.revocation {
            if r.registered_at <= at {
                return KeyStanding::Revoked;
            }
        }
        if let KeySource::X509 {
            not_before,
            not_after,
            ..
        } = &self.source
        {
            if at < *not_before || at > *not_after {
                return KeyStanding::CertificateOutOfValidity;
            }
        }
        KeyStanding::Good
    }
}

/// Lifecycle of an agreement. Ended is final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    /// Guarantees may be issued.
    Active,
    /// Temporarily no new guarantees (outstanding ones stay).
    Suspended,
    /// No new guarantees, ever.
    Ended,
}

impl AgreementStatus {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementStatus::Active => "active",
            AgreementStatus::Suspended => "suspended",
            AgreementStatus::Ended => "ended",
        }
    }

    /// Parses the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "suspended" => Some(Self::Suspended),
            "ended" => Some(Self::Ended),
            _ => None,
        }
    }

    /// Whether a change from `self` to `to` is allowed: ended is final; no change to itself.
    pub fn may_become(self, to: AgreementStatus) -> bool {
        self != to && self != AgreementStatus::Ended
    }
}

/// A buyer's agreement under a policy: the limits the notary keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    /// UUIDv7.
    pub id: String,
    /// The buyer bound by it.
    pub buyer_id: String,
    /// The policy version and digest it was made under.
    pub policy: PolicyRef,
    /// Currency of every guarantee under it.
    pub currency: Currency,
    /// Most outstanding liability at any time, minor units.
    pub total_cap_minor: i64,
    /// Most per guarantee, minor units.
    pub per_tx_cap_minor: i64,
    /// Start of validity.
    pub valid_from: DateTime<Utc>,
    /// End of validity (exclusive).
    pub valid_until: DateTime<Utc>,
    /// Key ids of the buyer that may sign orders under it.
    pub keys: Vec<String>,
    /// Current status.
    pub status: AgreementStatus,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Log index of the latest signed change.
    pub log_index: u64,
}

impl Agreement {
    /// Whether guarantees may be issued at `at`.
    pub fn is_active_at(&self, at: DateTime<Utc>) -> bool {
        self.status == AgreementStatus::Active && self.valid_from <= at && at < self.valid_until
    }

    /// What the agreement is at `at`, as guarantees and `/check` see it: its status, or for an
    /// active one outside its validity `not_yet_valid` / `expired` (refused `agreement_inactive`
    /// like a suspended one; listings said `active`).
    pub fn standing_at(&self, at: DateTime<Utc>) -> &'static str {
        match self.status {
            AgreementStatus::Active if at < self.valid_from => "not_yet_valid",
            AgreementStatus::Active if at >= self.valid_until => "expired",
            s => s.as_str(),
        }
    }
}

/// The caps of an agreement: each 1..=MINOR_MAX minor units, the per-transaction cap at most the
/// total cap.
pub fn check_caps(total_cap_minor: i64, per_tx_cap_minor: i64) -> Result<(), String> {
    let max = super::money::MINOR_MAX;
    if !(1..=max).contains(&total_cap_minor) || !(1..=max).contains(&per_tx_cap_minor) {
        return Err(format!("caps must be 1..={max} minor units"));
    }
    if per_tx_cap_minor > total_cap_minor {
        return Err("the per-transaction cap is larger than the total cap".into());
    }
    Ok(())
}

/// Longest reason (revocation, status change), in bytes.
pub const REASON_LEN_MAX: usize = 256;

/// A reason an arbitrator gives for a revocation or a status change: trimmed, 1..=256 bytes,
/// printable (no control, invisible or bidi formatting characters). Returns the trimmed text
/// that will be signed.
pub fn check_reason(reason: &str) -> Result<String, String> {
    let reason = reason.trim();
    if reason.is_empty() || reason.len() > REASON_LEN_MAX {
        return Err(format!(
            "give a reason of 1 to {REASON_LEN_MAX} printable bytes"
        ));
    }
    if let Some(refusal) = hazard_refusal("reason", reason) {
        return Err(refusal);
    }
    Ok(reason.to_string())
}

/// A name a human typed: 1..=128 bytes, not only spaces, no control, invisible or bidi
/// formatting characters (`model::text::is_hazardous`).
pub fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("name is empty".into());
    }
    if name.len() > NAME_LEN_MAX {
        return Err(format!("name is longer than {NAME_LEN_MAX} bytes"));
    }
    if let Some(refusal) = hazard_refusal("name", name) {
        return Err(refusal);
    }
    check_name_letters(name)
}

/// Combining marks stacked on one letter, at most: enough for Vietnamese (ệ: a base and two).
const MARKS_MAX: usize = 2;

/// The letters of a name a human reads in a list (s12 M6): each word in one script, so "Rіta"
/// with a Cyrillic і is not taken for "Rita" (a name of Latin words beside Greek or Han ones is
/// fine), and no letter buried under combining marks.
fn check_name_letters(name: &str) -> Result<(), String> {
    use unicode_normalization::char::is_combining_mark;
    // Words are runs of letters, digits and marks: "Σ-Designs" is two (s14 F8).
    let word_char = |c: char| c.is_alphanumeric() || is_combining_mark(c);
    if let Some(word) = name
        .split(|c: char| !word_char(c))
        .find(|w| super::text::word_mixes_scripts(w))
    {
        return Err(format!(
            "name: the word \"{}\" mixes scripts (a Cyrillic і among Latin letters reads as \
             i): write each word in one script",
            super::text::sanitize_prefix(word, 64)
        ));
    }
    let mut run = 0;
    for (at, c) in name.char_indices() {
        run = if is_combining_mark(c) { run + 1 } else { 0 };
        if run > MARKS_MAX {
            return Err(format!(
                "name: more than {MARKS_MAX} combining marks on one letter at byte {at}"
            ));
        }
    }
    Ok(())
}

/// Why `text` is refused when it holds a control, invisible or bidi formatting character
/// (`model::text::is_hazardous`): such a name would show differently from what is signed.
fn hazard_refusal(what: &str, text: &str) -> Option<String> {
    super::text::first_hazard(text).map(|found| refusal(what, found))
}

/// Free text a party or an arbitrator wrote (a complaint's statement, a note): line breaks,
/// tabs and the zero-width joiners (Persian, Indic, emoji, s14 F2) are text; any other control,
/// invisible or bidi formatting character is refused, as in a name (shown inert anyway, but a
/// signed statement should read the same in any viewer).
pub fn check_free_text(what: &str, text: &str) -> Result<(), String> {
    let found = text
        .char_indices()
        .find(|&(_, c)| super::text::refused_in_text(c));
    match found {
        Some(found) => Err(refusal(what, found)),
        None => Ok(()),
    }
}

fn refusal(what: &str, (at, c): (usize, char)) -> String {
    format!(
        "{what} contains U+{:04X} at byte {at}: control, invisible and bidi formatting characters \
         are refused (they can hide or reorder what a reader sees)",
        c as u32
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_770_000_000 + s, 0)
            .single()
            .expect("time")
    }

    fn key(revoked_at: Option<i64>, validity: Option<(i64, i64)>) -> KeyRecord {
        KeyRecord {
            key_id: "k".into(),
            party_id: "p".into(),
            public_key: String::new(),
            source: match validity {
                None => KeySource::Raw,
                Some((a, b)) => KeySource::X509 {
                    serial_hex: "1".into(),
                    subject: String::new(),
                    issuer: String::new(),
                    ca_key_id: String::new(),
                    not_before: t(a),
                    not_after: t(b),
                },
            },
            registered_at: t(0),
            log_index: 1,
            revocation: revoked_at.map(|r| Revocation {
                registered_at: t(r),
                reason: "lost".into(),
                source: "manual".into(),
                claimed_at: None,
                log_index: 2,
            }),
        }
    }

    #[test]
    fn revocation_counts_from_the_registration_time_on() {
        let k = key(Some(100), None);
        assert_eq!(k.standing_at(t(99)), KeyStanding::Good);
        assert_eq!(k.standing_at(t(100)), KeyStanding::Revoked);
        assert_eq!(k.standing_at(t(101)), KeyStanding::Revoked);
        assert_eq!(key(None, None).standing_at(t(10_000)), KeyStanding::Good);
    }

    #[test]
    fn certificate_validity_bounds_the_key() {
        let k = key(None, Some((10, 20)));
        assert_eq!(k.standing_at(t(9)), KeyStanding::CertificateOutOfValidity);
        assert_eq!(k.standing_at(t(15)), KeyStanding::Good);
        assert_eq!(k.standing_at(t(21)), KeyStanding::CertificateOutOfValidity);
    }

    #[test]
    fn ended_is_final() {
        use AgreementStatus::*;
        assert!(Active.may_become(Suspended));
        assert!(Suspended.may_become(Active));
        assert!(Active.may_become(Ended));
        assert!(!Ended.may_become(Active));
        assert!(!Active.may_become(Active));
    }

    #[test]
    fn reasons_are_checked_and_trimmed() {
        assert_eq!(check_reason("  lost  ").as_deref(), Ok("lost"));
        assert!(check_reason("   ").is_err());
        assert!(check_reason("a\nb").is_err());
        assert!(check_reason(&"x".repeat(REASON_LEN_MAX + 1)).is_err());
        assert!(check_reason(&"x".repeat(REASON_LEN_MAX)).is_ok());
    }

    #[test]
    fn caps_are_checked() {
        assert!(check_caps(100_000, 50_000).is_ok());
        assert!(check_caps(100_000, 100_000).is_ok());
        assert!(check_caps(100_000, 100_001).is_err());
        assert!(check_caps(0, 0).is_err());
        assert!(check_caps(super::super::money::MINOR_MAX + 1, 1).is_err());
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("Bob Builder").is_ok());
        assert!(check_name("  ").is_err());
        assert!(check_name("a\u{1b}[31m").is_err());
        assert!(check_name(&"x".repeat(129)).is_err());
        // s12 M6: invisible letters, a braille blank, a Cyrillic і in a Latin word, stacked marks.
        for bad in [
            "Ol\u{17b4}ga",
            "Ol\u{2800}ga",
            "R\u{456}ta",
            "O\u{301}\u{302}\u{303}",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        // s14 F1/F8: pointed Hebrew, polytonic Greek, a Greek letter hyphened to a Latin word.
        for good in [
            "Αλφα Ltd",
            "Wang Wei 王伟",
            "Nguyễn Thị Ánh",
            "Müller & Söhne GmbH",
            "\u{5d3}\u{5bc}\u{5d5}\u{5d3}",
            "Ἀλέξανδρος Παπαδόπουλος",
            "Σ-Designs Ltd.",
            "NTTドコモ",
        ] {
            assert!(check_name(good).is_ok(), "{good:?}: {:?}", check_name(good));
        }
    }
}
