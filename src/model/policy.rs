//! Policies as data (docs/design.md §7): the SEMPER agreements read from `policies/*.toml`.
//!
//! A policy is identified by id + version + the SHA-256 of its exact file bytes. Agreements record
//! that reference, and a ruling applies the version recorded, never today's file; the
//! [`PolicyBook`] therefore keeps every version it was given and refuses a file that changed
//! without a new version. Parsing is pure: the caller reads the file.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::Spanned;

/// Largest cap accepted, in minor units (10^15), so that sums of amounts never overflow an `i64`.
const CAP_MAX: i64 = 1_000_000_000_000_000;

/// Longest duration accepted: ten years of 365 days, in seconds. Anything longer is a typo.
const DURATION_MAX_S: i64 = 10 * 365 * 86_400;

/// The accepted duration form, quoted in every duration error.
const DURATION_FORM: &str =
    "a positive whole number followed by one unit s, m, h or d, e.g. \"30d\" or \"72h\"";

/// What a valid, buyer-signed order without a notary guarantee is worth.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UncoveredRule {
    /// Only guaranteed orders bind the buyer.
    Strict,
    /// A valid signed order binds the buyer without a guarantee, up to the caps.
    Capped,
}

impl UncoveredRule {
    /// The spelling used in policy files and on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            UncoveredRule::Strict => "strict",
            UncoveredRule::Capped => "capped",
        }
    }
}

/// A parsed, validated policy file. Amounts are minor units, durations seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// Stable name, e.g. `semper-consumer`.
    pub id: String,
    /// Edition of the terms, >= 1; a changed file needs a new one.
    pub version: u32,
    /// Human title.
    pub title: String,
    /// Free text naming the law the notary applies.
    pub applicable_law: String,
    /// ISO 4217 code of the caps and guarantees.
    pub currency: String,
    /// Default limit on a buyer's open guarantees, minor units.
    pub total_cap_minor: i64,
    /// Default limit on one guarantee, minor units (<= `total_cap_minor`).
    pub per_tx_cap_minor: i64,
    /// Whether unguaranteed orders bind the buyer.
    pub uncovered_rule: UncoveredRule,
    /// How long a guarantee holds after issue.
    pub guarantee_validity_s: i64,
    /// Time after expiry before the notary releases an unsettled guarantee itself.
    pub release_grace_s: i64,
    /// How long after a transaction a dispute may be opened.
    pub dispute_window_s: i64,
    /// Time the other party has to answer a complaint.
    pub complaint_response_time_s: i64,
    /// Deadline of a fair exchange that names none.
    pub exchange_default_deadline_s: i64,
    /// A ruling on a claim above this amount (minor units) takes effect only when a second,
    /// different arbitrator confirms it; `None` (the key absent): one arbitrator suffices.
    pub second_arbitrator_above: Option<i64>,
    /// Lowercase hex SHA-256 of the exact file bytes: what agreements record.
    pub digest: String,
    /// The file text, kept so a ruling can show the terms it applied.
    pub source: String,
}

/// How an agreement or ruling names the exact policy it applies.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PolicyRef {
    /// Policy id.
    pub id: String,
    /// Policy version.
    pub version: u32,
    /// Lowercase hex SHA-256 of the policy file.
    pub digest: String,
}

impl Policy {
    /// The reference an agreement records for this policy.
    pub fn reference(&self) -> PolicyRef {
        PolicyRef {
            id: self.id.clone(),
            version: self.version,
            digest: self.digest.clone(),
        }
    }
}

/// A policy file that cannot be used, with the line to fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {reason}")]
pub struct PolicyError {
    /// The file name given by the caller (or the policy id, for [`PolicyBook::insert`]).
    pub file: String,
    /// 1-based line of the offending key; 0 if unknown.
    pub line: usize,
    /// What is wrong, in words an operator can act on.
    pub reason: String,
}

/// The file as written; every field keeps its span so errors can name the line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    id: Spanned<String>,
    version: Spanned<i64>,
    title: Spanned<String>,
    applicable_law: Spanned<String>,
    currency: Spanned<String>,
    total_cap: Spanned<i64>,
    per_tx_cap: Spanned<i64>,
    uncovered_rule: Spanned<String>,
    guarantee_validity: Spanned<String>,
    release_grace: Spanned<String>,
    dispute_window: Spanned<String>,
    complaint_response_time: Spanned<String>,
    exchange_default_deadline: Spanned<String>,
    #[serde(default)]
    second_arbitrator_above: Option<Spanned<i64>>,
}

/// 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Where a policy's text came from, to turn a span into `file:line` in an error.
struct Source<'a> {
    file: &'a str,
    text: &'a str,
}

impl Source<'_> {
    /// An error at the line holding `span` (line 0 when there is no span).
    fn error(&self, span: Option<Range<usize>>, reason: String) -> PolicyError {
        PolicyError {
            file: self.file.to_string(),
            line: span.map_or(0, |s| line_of(self.text, s.start)),
            reason,
        }
    }

    /// An error at the line of `field`'s key.
    fn at<T>(&self, field: &Spanned<T>, reason: String) -> PolicyError {
        self.error(Some(field.span()), reason)
    }
}

/// Parses and validates one policy file. `file` only names the file in errors.
pub fn parse_policy(file: &str, text: &str) -> Result<Policy, PolicyError> {
    let src = Source { file, text };
    let raw = read_raw(&src)?;
    let version = check_names(&src, &raw)?;
    let (total_cap_minor, per_tx_cap_minor) = check_caps(&src, &raw)?;
    let uncovered_rule = check_uncovered_rule(&src, &raw.uncovered_rule)?;
    let duration = |name: &str, field: &Spanned<String>| {
        parse_duration(field.get_ref()).map_err(|why| src.at(field, format!("{name}: {why}")))
    };
    Ok(Policy {
        guarantee_validity_s: duration("guarantee_validity", &raw.guarantee_validity)?,
        release_grace_s: duration("release_grace", &raw.release_grace)?,
        dispute_window_s: duration("dispute_window", &raw.dispute_window)?,
        complaint_response_time_s: duration(
            "complaint_response_time",
            &raw.complaint_response_time,
        )?,
        exchange_default_deadline_s: duration(
            "exchange_default_deadline",
            &raw.exchange_default_deadline,
        )?,
        second_arbitrator_above: check_second_arbitrator(&src, &raw)?,
        id: raw.id.into_inner(),
        version,
        title: raw.title.into_inner(),
        applicable_law: raw.applicable_law.into_inner(),
        currency: raw.currency.into_inner(),
        total_cap_minor,
        per_tx_cap_minor,
        uncovered_rule,
        digest: hex::encode(Sha256::digest(text.as_bytes())),
        source: text.to_string(),
    })
}

/// The optional `second_arbitrator_above` threshold: not negative.
fn check_second_arbitrator(src: &Source<'_>, raw: &RawPolicy) -> Result<Option<i64>, PolicyError> {
    match &raw.second_arbitrator_above {
        None => Ok(None),
        Some(f) if *f.get_ref() >= 0 => Ok(Some(*f.get_ref())),
        Some(f) => Err(src.at(
            f,
            format!(
                "second_arbitrator_above must be an amount in minor units, 0 or more, not {}",
                f.get_ref()
            ),
        )),
    }
}

/// The TOML as written, every key present and of the right type.
fn read_raw(src: &Source<'_>) -> Result<RawPolicy, PolicyError> {
    toml::from_str(src.text).map_err(|e| {
        // One line, so it reads well after `file:line:`; and an operator editing TOML thinks in
        // integers, not in the Rust types serde names.
        let reason = e
            .message()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ")
            .replace("expected i64", "expected an integer");
        // A missing key has no place in the file; serde reports the whole document as its span.
        let span = if reason.starts_with("missing field") {
            None
        } else {
            e.span()
        };
        src.error(span, reason)
    })
}

/// Checks the naming keys (id, version, title, applicable law, currency); returns the version.
fn check_names(src: &Source<'_>, raw: &RawPolicy) -> Result<u32, PolicyError> {
    let id = raw.id.get_ref();
    if !valid_id(id) {
        return Err(src.at(
            &raw.id,
            format!(
                "id {id:?} must be 1 to 64 of a-z, 0-9 and '-', starting with a letter or digit"
            ),
        ));
    }
    let version = match u32::try_from(*raw.version.get_ref()) {
        Ok(v) if v >= 1 => v,
        _ => {
            return Err(src.at(
                &raw.version,
                format!(
                    "version must be a whole number from 1 to {}, not {}",
                    u32::MAX,
                    raw.version.get_ref()
                ),
            ))
        }
    };
    for (name, field) in [
        ("title", &raw.title),
        ("applicable_law", &raw.applicable_law),
    ] {
        if field.get_ref().trim().is_empty() {
            return Err(src.at(field, format!("{name} must not be empty")));
        }
    }
    let currency = raw.currency.get_ref();
    if let Err(e) = crate::model::money::Currency::parse(currency) {
        return Err(src.at(&raw.currency, format!("currency: {e}")));
    }
    Ok(version)
}

/// Checks both caps are in range and the per-transaction cap fits the total; returns
/// (total, per transaction), minor units.
fn check_caps(src: &Source<'_>, raw: &RawPolicy) -> Result<(i64, i64), PolicyError> {
    for (name, field) in [
        ("total_cap", &raw.total_cap),
        ("per_tx_cap", &raw.per_tx_cap),
    ] {
        let v = *field.get_ref();
        if v <= 0 || v > CAP_MAX {
            return Err(src.at(
                field,
                format!("{name} must be between 1 and {CAP_MAX} minor units, not {v}"),
            ));
        }
    }
    let (total_cap, per_tx_cap) = (*raw.total_cap.get_ref(), *raw.per_tx_cap.get_ref());
    if per_tx_cap > total_cap {
        return Err(src.at(
            &raw.per_tx_cap,
            format!("per_tx_cap {per_tx_cap} is larger than total_cap {total_cap}"),
        ));
    }
    Ok((total_cap, per_tx_cap))
}

/// `"strict"` or `"capped"`.
fn check_uncovered_rule(
    src: &Source<'_>,
    field: &Spanned<String>,
) -> Result<UncoveredRule, PolicyError> {
    match field.get_ref().as_str() {
        "strict" => Ok(UncoveredRule::Strict),
        "capped" => Ok(UncoveredRule::Capped),
        other => Err(src.at(
            field,
            format!("uncovered_rule {other:?} is unknown; expected \"strict\" or \"capped\""),
        )),
    }
}

/// `[a-z0-9][a-z0-9-]{0,63}`.
fn valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    let ok = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty() && b.len() <= 64 && ok(&b[0]) && b.iter().all(|c| ok(c) || *c == b'-')
}

/// `"<positive integer><s|m|h|d>"` to seconds, at most ten years.
fn parse_duration(s: &str) -> Result<i64, String> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = s.split_at(digits);
    if s.starts_with('-') {
        return Err(format!("{s:?} is negative; write {DURATION_FORM}"));
    }
    if number.is_empty() || unit.len() != 1 || !unit.is_ascii() {
        return Err(format!("{s:?} is not a duration; write {DURATION_FORM}"));
    }
    let per_unit: i64 = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "{s:?} has unknown unit {unit:?}; write {DURATION_FORM}"
            ))
        }
    };
    let seconds = number
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(per_unit))
        .filter(|&v| v <= DURATION_MAX_S)
        .ok_or_else(|| format!("{s:?} is longer than ten years (3650d)"))?;
    if seconds == 0 {
        return Err(format!("{s:?} is zero; write {DURATION_FORM}"));
    }
    Ok(seconds)
}

/// Every policy version the notary knows, old ones kept so recorded references still resolve.
#[derive(Clone, Debug, Default)]
pub struct PolicyBook {
    by_version: BTreeMap<(String, u32), Policy>,
}

impl PolicyBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a policy. The same file again is a no-op; a different file under an id + version
    /// already known is refused, since agreements recorded the old bytes. The error's `file` is
    /// the policy id, line 0: the caller may replace it with the path it read.
    pub fn insert(&mut self, policy: Policy) -> Result<(), PolicyError> {
        let key = (policy.id.clone(), policy.version);
        match self.by_version.get(&key) {
            Some(known) if known.digest == policy.digest => Ok(()),
            Some(_) => Err(PolicyError {
                file: policy.id.clone(),
                line: 0,
                reason: format!(
                    "policy {} version {} changed on disk; give it a new version",
                    policy.id, policy.version
                ),
            }),
            None => {
                self.by_version.insert(key, policy);
                Ok(())
            }
        }
    }

    /// The policy whose file has this SHA-256 (lowercase hex).
    pub fn by_digest(&self, digest: &str) -> Option<&Policy> {
        self.by_version.values().find(|p| p.digest == digest)
    }

    /// The highest version of `id`: what new agreements get.
    pub fn latest(&self, id: &str) -> Option<&Policy> {
        self.by_version
            .range((id.to_string(), 0)..=(id.to_string(), u32::MAX))
            .next_back()
            .map(|(_, p)| p)
    }

    /// The exact policy a reference names; `None` if the digest does not match.
    pub fn get(&self, r: &PolicyRef) -> Option<&Policy> {
        self.by_version
            .get(&(r.id.clone(), r.version))
            .filter(|p| p.digest == r.digest)
    }

    /// All policies, ordered by (id, version).
    pub fn all(&self) -> impl Iterator<Item = &Policy> {
        self.by_version.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONSUMER: &str = include_str!("../../policies/semper-consumer.toml");
    const BUSINESS: &str = include_str!("../../policies/semper-business.toml");

    /// A minimal valid file, one key per line, so tests can point at lines.
    const MINIMAL: &str = "\
id = \"p\"
version = 1
title = \"T\"
applicable_law = \"L\"
currency = \"EUR\"
total_cap = 1000
per_tx_cap = 500
uncovered_rule = \"strict\"
guarantee_validity = \"30d\"
release_grace = \"7d\"
dispute_window = \"90d\"
complaint_response_time = \"72h\"
exchange_default_deadline = \"48h\"
";

    /// `MINIMAL` with line `n` (1-based) replaced.
    fn with_line(n: usize, line: &str) -> String {
        MINIMAL
            .lines()
            .enumerate()
            .map(|(i, l)| if i + 1 == n { line } else { l })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn fails(text: &str) -> PolicyError {
        let e = parse_policy("t.toml", text).expect_err("should be refused");
        assert!(!e.to_string().contains('\n'), "one line: {e}");
        e
    }

    #[test]
    fn shipped_consumer_policy() {
        let p = parse_policy("semper-consumer.toml", CONSUMER).expect("parses");
        assert_eq!(p.id, "semper-consumer");
        assert!(p.version >= 1);
        assert_eq!(p.currency, "EUR");
        assert_eq!(p.total_cap_minor, 100_000);
        assert_eq!(p.per_tx_cap_minor, 50_000);
        assert_eq!(p.uncovered_rule, UncoveredRule::Capped);
        assert_eq!(p.guarantee_validity_s, 30 * 86_400);
        assert_eq!(p.release_grace_s, 7 * 86_400);
        assert_eq!(p.dispute_window_s, 90 * 86_400);
        assert_eq!(p.complaint_response_time_s, 72 * 3_600);
        assert_eq!(p.exchange_default_deadline_s, 48 * 3_600);
        assert!(p.applicable_law.contains("2011/83/EU"));
        assert_eq!(p.source, CONSUMER);
        assert_eq!(p.digest, hex::encode(Sha256::digest(CONSUMER.as_bytes())));
        assert_eq!(p.digest.len(), 64);
        assert!(p
            .digest
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    }

    #[test]
    fn shipped_business_policy() {
        let p = parse_policy("semper-business.toml", BUSINESS).expect("parses");
        assert_eq!(p.id, "semper-business");
        assert!(p.version >= 1);
        assert_eq!(p.currency, "EUR");
        assert_eq!(p.total_cap_minor, 5_000_000);
        assert_eq!(p.per_tx_cap_minor, 1_000_000);
        assert_eq!(p.uncovered_rule, UncoveredRule::Strict);
        assert_eq!(p.uncovered_rule.as_str(), "strict");
        assert_eq!(p.digest, hex::encode(Sha256::digest(BUSINESS.as_bytes())));
        let c = parse_policy("c", CONSUMER).expect("parses");
        assert_ne!(p.digest, c.digest);
    }

    #[test]
    fn digest_covers_every_byte_including_comments() {
        let a = parse_policy("a", MINIMAL).expect("parses");
        let b = parse_policy("b", &format!("# note\n{MINIMAL}")).expect("parses");
        assert_ne!(a.digest, b.digest);
        assert_eq!(a.reference().digest, a.digest);
        assert_eq!(a.digest, hex::encode(Sha256::digest(MINIMAL.as_bytes())));
    }

    #[test]
    fn serde_names() {
        assert_eq!(
            serde_json::to_string(&UncoveredRule::Capped).expect("json"),
            "\"capped\""
        );
        let r = parse_policy("a", MINIMAL).expect("parses").reference();
        let back: PolicyRef =
            serde_json::from_str(&serde_json::to_string(&r).expect("json")).expect("back");
        assert_eq!(back, r);
    }

    #[test]
    fn syntax_error_names_its_line() {
        let e = fails(&with_line(7, "per_tx_cap = = 500"));
        assert_eq!(e.line, 7, "{e}");
        assert!(e.to_string().starts_with("t.toml:7: "), "{e}");
    }

    #[test]
    fn wrong_type_names_its_line() {
        let e = fails(&with_line(6, "total_cap = \"1000\""));
        assert_eq!(e.line, 6, "{e}");
        assert!(e.reason.contains("integer"), "{e}");
    }

    #[test]
    fn unknown_field_names_its_line() {
        let text = MINIMAL.replace("title = \"T\"\n", "title = \"T\"\ncolour = \"blue\"\n");
        let e = fails(&text);
        assert_eq!(e.line, 4, "{e}");
        assert!(e.reason.contains("colour"), "{e}");
    }

    #[test]
    fn missing_field_has_no_line() {
        let e = fails(&MINIMAL.replace("dispute_window = \"90d\"\n", ""));
        assert_eq!(e.line, 0, "{e}");
        assert!(e.reason.contains("dispute_window"), "{e}");
    }

    #[test]
    fn per_tx_cap_above_total_cap() {
        let e = fails(&with_line(7, "per_tx_cap = 2000"));
        assert_eq!(e.line, 7, "{e}");
        assert!(e.reason.contains("larger than total_cap"), "{e}");
    }

    #[test]
    fn caps_must_be_positive() {
        let e = fails(&with_line(6, "total_cap = 0"));
        assert_eq!(e.line, 6, "{e}");
        let e = fails(&with_line(7, "per_tx_cap = -5"));
        assert_eq!(e.line, 7, "{e}");
        assert!(e.reason.contains("per_tx_cap"), "{e}");
    }

    #[test]
    fn bad_duration_names_line_and_form() {
        let e = fails(&with_line(10, "release_grace = \"7 weeks\""));
        assert_eq!(e.line, 10, "{e}");
        assert!(e.reason.contains("release_grace"), "{e}");
        assert!(e.reason.contains("s, m, h or d"), "{e}");
        assert!(e.reason.contains("\"30d\""), "{e}");
    }

    #[test]
    fn duration_errors() {
        for (value, words) in [
            ("\"7w\"", "unknown unit"),
            ("\"0d\"", "zero"),
            ("\"-3d\"", "negative"),
            ("\"3651d\"", "ten years"),
            ("\"99999999999999999999d\"", "ten years"),
            ("\"d\"", "not a duration"),
            ("\"7\"", "not a duration"),
            ("\" 7d\"", "not a duration"),
            ("\"7dd\"", "not a duration"),
        ] {
            let e = fails(&with_line(11, &format!("dispute_window = {value}")));
            assert_eq!(e.line, 11, "{value}: {e}");
            assert!(e.reason.contains(words), "{value}: {e}");
        }
        assert_eq!(parse_duration("3650d"), Ok(DURATION_MAX_S));
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("15m"), Ok(900));
    }

    #[test]
    fn semantic_errors_name_their_line() {
        for (line, text, words) in [
            (1, "id = \"Semper\"", "id"),
            (1, "id = \"-x\"", "id"),
            (1, "id = \"\"", "id"),
            (2, "version = 0", "version"),
            (2, "version = 4294967296", "version"),
            (3, "title = \"  \"", "title must not be empty"),
            (4, "applicable_law = \"\"", "applicable_law"),
            (5, "currency = \"eur\"", "ISO 4217"),
            (5, "currency = \"EURO\"", "ISO 4217"),
            (
                8,
                "uncovered_rule = \"lenient\"",
                "\"strict\" or \"capped\"",
            ),
        ] {
            let e = fails(&with_line(line, text));
            assert_eq!(e.line, line, "{text}: {e}");
            assert!(e.reason.contains(words), "{text}: {e}");
        }
        assert!(valid_id(&"a".repeat(64)));
        assert!(!valid_id(&"a".repeat(65)));
    }

    #[test]
    fn multiline_title_reports_key_line() {
        let text = MINIMAL.replace("title = \"T\"", "title = \"\"\"\n\n\"\"\"");
        let e = fails(&text);
        assert_eq!(e.line, 3, "{e}");
    }

    #[test]
    fn book_keeps_versions_and_refuses_changed_files() {
        let v1 = parse_policy("a", MINIMAL).expect("v1");
        let v2 = parse_policy("a", &with_line(2, "version = 2")).expect("v2");
        let other = parse_policy("b", &with_line(1, "id = \"another\"")).expect("other");
        let mut book = PolicyBook::new();
        book.insert(v2.clone()).expect("v2");
        book.insert(v1.clone()).expect("v1");
        book.insert(other.clone()).expect("other");
        book.insert(v1.clone()).expect("same file twice is fine");

        assert_eq!(book.latest("p"), Some(&v2));
        assert_eq!(book.latest("another"), Some(&other));
        assert_eq!(book.latest("nope"), None);
        assert_eq!(book.get(&v1.reference()), Some(&v1));
        assert_eq!(book.by_digest(&v1.digest), Some(&v1));
        assert_eq!(book.by_digest("00"), None);
        let mut wrong = v1.reference();
        wrong.digest = v2.digest.clone();
        assert_eq!(book.get(&wrong), None);
        let order: Vec<_> = book.all().map(|p| (p.id.as_str(), p.version)).collect();
        assert_eq!(order, [("another", 1), ("p", 1), ("p", 2)]);

        let changed = parse_policy("a", &with_line(3, "title = \"T2\"")).expect("changed");
        let e = book.insert(changed).expect_err("refused");
        assert_eq!(
            e.reason,
            "policy p version 1 changed on disk; give it a new version"
        );
        assert_eq!(book.get(&v1.reference()), Some(&v1), "old bytes kept");
    }
}
