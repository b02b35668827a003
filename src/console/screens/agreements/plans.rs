//! What the notary signs for the registry and ledger actions (register a party, create an
//! agreement, revoke a key, change an agreement's status, change a seller's token): each plan lists, for the trusted
//! confirmation dialog, every field of the signed record in the order the notary writes it,
//! builds the one request it authorises, and checks the answer against what was confirmed.
//! Values the notary picks itself (ids, its clock) are named as such, never guessed.

use crate::api::admin::proto::{
    AgreementItem, Hello, KeyItem, KeySourceKind, KeyStanding, Op, PartyItem, PolicyItem, Reply,
    SellerTokenItem, TokenChange,
};
use crate::model::registry::{AgreementStatus, Role, AGREEMENT_VALIDITY_DAYS_DEFAULT};

use crate::console::components::confirm::{Field, Signable};
use crate::console::sanitize::sanitize;
use crate::console::screens::agreements::money;

const NOTARY_CLOCK: &str = "the notary's clock when it signs";

/// Register a buyer or a seller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyPlan {
    /// Display name, as typed.
    pub name: String,
    /// Buyer or seller.
    pub role: Role,
}

/// Create an agreement for a buyer under a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgreementPlan {
    /// The buyer's id.
    pub buyer_id: String,
    /// The buyer's name, as listed.
    pub buyer_name: String,
    /// The policy version chosen (the notary uses its latest version of the id).
    pub policy: PolicyItem,
    /// Overall cap, minor units of the policy's currency.
    pub total_cap_minor: i64,
    /// Per-transaction cap, minor units.
    pub per_tx_cap_minor: i64,
    /// The buyer's keys bound to the agreement.
    pub keys: Vec<String>,
}

/// Revoke a key by hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokePlan {
    /// The key as listed.
    pub key: KeyItem,
    /// Its owner's name, as listed.
    pub owner: String,
    /// Why, as typed.
    pub reason: String,
}

/// Suspend, resume or end an agreement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusPlan {
    /// The agreement as last loaded.
    pub agreement: AgreementItem,
    /// The new status.
    pub to: AgreementStatus,
    /// Why, as typed.
    pub reason: String,
}

/// A registry or ledger record the notary would sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LedgerPlan {
    /// A `party` entry.
    Party(PartyPlan),
    /// An `agreement` entry (change `created`).
    Agreement(AgreementPlan),
    /// A `revocation` entry.
    Revoke(RevokePlan),
    /// An `agreement` entry (change `status`).
    Status(StatusPlan),
    /// A `seller_token` entry (rotated or revoked).
    Token(TokenPlan),
}

impl Signable for LedgerPlan {
    /// The notary signs it (a registration, a revocation, an agreement).
    fn signs(&self) -> bool {
        true
    }

    /// The fixed sentence naming the record.
    fn headline(&self) -> &'static str {
        match self {
            LedgerPlan::Party(_) => "The notary will sign a party registration",
            LedgerPlan::Agreement(_) => "The notary will sign a new agreement",
            LedgerPlan::Revoke(_) => "The notary will sign a key revocation",
            LedgerPlan::Status(p) => match p.to {
                AgreementStatus::Active => "The notary will sign: agreement resumed",
                AgreementStatus::Suspended => "The notary will sign: agreement suspended",
                AgreementStatus::Ended => "The notary will sign: agreement ended (final)",
            },
            LedgerPlan::Token(p) => p.headline(),
        }
    }

    /// Every field of the record, sanitised, in the order the notary signs them.
    fn fields(&self, hello: &Hello) -> Vec<Field> {
        let mut f = Fields::default();
        match self {
            LedgerPlan::Party(p) => party_fields(p, &mut f),
            LedgerPlan::Agreement(p) => agreement_fields(p, &mut f),
            LedgerPlan::Revoke(p) => revoke_fields(p, &mut f),
            LedgerPlan::Status(p) => status_fields(p, &mut f),
            LedgerPlan::Token(p) => p.fields(&mut f),
        }
        f.add(
            "Operator",
            &format!("{} (arbitrator {})", hello.operator, hello.arbitrator),
        );
        f.0
    }

    /// The request this plan authorises.
    fn op(&self) -> Op {
        match self {
            LedgerPlan::Party(p) => Op::PartyRegister {
                name: p.name.clone(),
                role: p.role,
                public_key_hex: None,
                certificate_b64: None,
            },
            LedgerPlan::Agreement(p) => Op::AgreementCreate {
                buyer_id: p.buyer_id.clone(),
                policy_id: p.policy.id.clone(),
                total_cap_minor: Some(p.total_cap_minor),
                per_tx_cap_minor: Some(p.per_tx_cap_minor),
                valid_until: None,
                keys: Some(p.keys.clone()),
            },
            LedgerPlan::Revoke(p) => Op::KeyRevoke {
                key_id: p.key.key_id.clone(),
                reason: p.reason.clone(),
            },
            LedgerPlan::Status(p) => Op::AgreementStatus {
                agreement_id: p.agreement.id.clone(),
                status: p.to,
                reason: p.reason.clone(),
            },
            LedgerPlan::Token(p) => p.op(),
        }
    }
}

impl LedgerPlan {
    /// What the answer `reply` means for this plan: signed as confirmed, or not.
    pub fn outcome(&self, reply: &Reply) -> ActionOutcome {
        match (self, reply) {
            (
                LedgerPlan::Party(p),
                Reply::PartyRegistered {
                    party, api_token, ..
                },
            ) => party_outcome(p, party, api_token.as_deref()),
            (LedgerPlan::Agreement(p), Reply::Agreement(a)) => agreement_outcome(p, a),
            (LedgerPlan::Revoke(p), Reply::Key(k)) => revoke_outcome(p, k),
            (LedgerPlan::Status(p), Reply::Agreement(a)) => status_outcome(p, a),
            (LedgerPlan::Token(p), Reply::SellerToken(t)) => p.outcome(t),
            _ => mismatch("the notary sent an answer of another kind"),
        }
    }
}

/// Labelled values, each sanitised as it is added.
#[derive(Default)]
struct Fields(Vec<Field>);

impl Fields {
    fn add(&mut self, label: &'static str, value: &str) {
        self.0.push(Field {
            label,
            value: sanitize(value),
        });
    }

    /// `keys`, one a line, the first labelled.
    fn keys(&mut self, keys: &[String]) {
        for (i, k) in keys.iter().enumerate() {
            self.add(if i == 0 { "Keys" } else { "" }, k);
        }
    }

    /// Signed as confirmed, with these fields and a secret to show once (sanitised here).
    fn done(self, title: &'static str, secret: Option<&str>) -> ActionOutcome {
        ActionOutcome::Done {
            title,
            fields: self.0,
            secret: secret.map(sanitize),
        }
    }
}

fn party_fields(p: &PartyPlan, f: &mut Fields) {
    f.add("Party id", "chosen by the notary (UUIDv7)");
    f.add("Name", &p.name);
    f.add("Role", p.role.as_str());
    f.add("Registered", NOTARY_CLOCK);
    f.add(
        "API token",
        match p.role {
            Role::Seller => "a new one, shown once after signing (kept hashed)",
            Role::Buyer => "none (only sellers call the API)",
        },
    );
}

fn party_outcome(p: &PartyPlan, party: &PartyItem, api_token: Option<&str>) -> ActionOutcome {
    if party.name != p.name || party.role != p.role {
        return mismatch("the registered party is not the one you confirmed");
    }
    let mut fields = Fields::default();
    fields.add("Party id", &party.id);
    fields.add("Name", &party.name);
    fields.add("Role", party.role.as_str());
    fields.add("Registered", &party.registered_at);
    if p.role == Role::Seller && api_token.is_none() {
        return mismatch("the seller was registered but no API token came back");
    }
    fields.done("Party registered", api_token)
}

fn agreement_fields(p: &AgreementPlan, f: &mut Fields) {
    let cur = &p.policy.currency;
    f.add("Change", "created");
    f.add("Agreement", "id chosen by the notary (UUIDv7)");
    f.add("Buyer", &p.buyer_name);
    f.add("Buyer id", &p.buyer_id);
    f.add(
        "Policy",
        &format!("{} v{} ({})", p.policy.id, p.policy.version, p.policy.title),
    );
    f.add("Digest", &p.policy.digest);
    f.add("Currency", cur);
    f.add("Total cap", &money(p.total_cap_minor, cur));
    f.add("Per tx cap", &money(p.per_tx_cap_minor, cur));
    f.add(
        "Valid",
        &format!(
            "from signing (notary's clock), {AGREEMENT_VALIDITY_DAYS_DEFAULT} days (its default)"
        ),
    );
    f.keys(&p.keys);
    f.add("Status", "active");
}

fn agreement_outcome(p: &AgreementPlan, a: &AgreementItem) -> ActionOutcome {
    let mut keys = p.keys.clone();
    keys.sort();
    let mut got = a.keys.clone();
    got.sort();
    if a.buyer_id != p.buyer_id
        || a.policy_id != p.policy.id
        || a.policy_version != p.policy.version
        || a.policy_digest != p.policy.digest
        || a.total_cap_minor != p.total_cap_minor
        || a.per_tx_cap_minor != p.per_tx_cap_minor
        || got != keys
    {
        return mismatch("the agreement signed differs from the one you confirmed");
    }
    let mut fields = Fields::default();
    fields.add("Agreement", &a.id);
    fields.add("Buyer", &a.buyer_name);
    fields.add("Policy", &format!("{} v{}", a.policy_id, a.policy_version));
    fields.add("Caps", &caps(a));
    fields.add("Valid", &format!("{} to {}", a.valid_from, a.valid_until));
    fields.done("Agreement created", None)
}

fn revoke_fields(p: &RevokePlan, f: &mut Fields) {
    f.add("Source", "manual");
    f.add("Reason", &p.reason);
    f.add("Key id", &p.key.key_id);
    f.add("Key", &key_source(&p.key));
    f.add("Owner", &p.owner);
    f.add("Party id", &p.key.party_id);
    f.add("Revoked at", &format!("{NOTARY_CLOCK} (authoritative)"));
    f.add(
        "Effect",
        "later orders with this key are refused (key_revoked)",
    );
}

fn revoke_outcome(p: &RevokePlan, k: &KeyItem) -> ActionOutcome {
    let same_key = k.key_id.eq_ignore_ascii_case(&p.key.key_id);
    if !same_key || k.status != KeyStanding::Revoked {
        return mismatch("the notary's answer is not the revocation you confirmed");
    }
    let mut fields = Fields::default();
    fields.add("Key id", &k.key_id);
    fields.add("Revoked at", k.revoked_at.as_deref().unwrap_or("?"));
    fields.add("Reason", k.revocation_reason.as_deref().unwrap_or(""));
    fields.done("Key revoked", None)
}

fn status_fields(p: &StatusPlan, f: &mut Fields) {
    let a = &p.agreement;
    f.add(
        "Status",
        &format!(
            "{} (was {}; change \"status\")",
            p.to.as_str(),
            a.status.as_str()
        ),
    );
    f.add("Reason", &p.reason);
    f.add("Agreement", &a.id);
    f.add("Buyer", &a.buyer_name);
    f.add("Buyer id", &a.buyer_id);
    f.add("Policy", &format!("{} v{}", a.policy_id, a.policy_version));
    f.add("Digest", &a.policy_digest);
    f.add("Total cap", &money(a.total_cap_minor, &a.currency));
    f.add("Per tx cap", &money(a.per_tx_cap_minor, &a.currency));
    f.add("Valid", &format!("{} to {}", a.valid_from, a.valid_until));
    f.keys(&a.keys);
    f.add("Effect", status_effect(p.to));
}

fn status_outcome(p: &StatusPlan, a: &AgreementItem) -> ActionOutcome {
    if a.id != p.agreement.id || a.status != p.to {
        return mismatch("the agreement's new status is not the one you confirmed");
    }
    let mut fields = Fields::default();
    fields.add("Agreement", &a.id);
    fields.add("Buyer", &a.buyer_name);
    fields.add("Status", a.status.as_str());
    fields.done("Agreement status changed", None)
}

fn mismatch(why: &str) -> ActionOutcome {
    ActionOutcome::Mismatch(why.to_string())
}

fn caps(a: &AgreementItem) -> String {
    format!(
        "{} total, {} per transaction",
        money(a.total_cap_minor, &a.currency),
        money(a.per_tx_cap_minor, &a.currency)
    )
}

/// `raw Ed25519` or the certificate's subject.
pub fn key_source(k: &KeyItem) -> String {
    match (k.source, &k.subject) {
        (KeySourceKind::X509, Some(subject)) => format!("X.509 certificate: {subject}"),
        (KeySourceKind::Raw, _) => "raw Ed25519 public key".into(),
        (other, _) => other.as_str().to_string(),
    }
}

fn status_effect(to: AgreementStatus) -> &'static str {
    match to {
        AgreementStatus::Active => "guarantees can be granted again",
        AgreementStatus::Suspended => "new requests refused (agreement_inactive); guarantees stay",
        AgreementStatus::Ended => "final; new requests refused, outstanding guarantees stay",
    }
}

/// What became of a confirmed registry or ledger request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionOutcome {
    /// Sent; waiting for the answer.
    Pending(&'static str),
    /// Signed as confirmed.
    Done {
        /// Box title.
        title: &'static str,
        /// What the notary recorded, sanitised.
        fields: Vec<Field>,
        /// A secret shown this once (a seller's API token), sanitised.
        secret: Option<String>,
    },
    /// The notary refused or failed; nothing was signed.
    Failed(String),
    /// The answer does not match what was confirmed.
    Mismatch(String),
    /// The connection ended before the answer: the outcome is unknown.
    Unknown(String),
}

// ---- Rotate or revoke a seller's API token (`t` / `T`): the `seller_token` entry says only
// that the token changed; a rotation's new token comes back in the answer and is shown once.
/// Rotate or revoke a seller's token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenPlan {
    /// The seller, as listed.
    pub party: PartyItem,
    /// Rotate or revoke.
    pub change: TokenChange,
}

impl TokenPlan {
    /// The fixed sentence naming the record.
    fn headline(&self) -> &'static str {
        match self.change {
            TokenChange::Rotated => "The notary will sign: seller API token rotated",
            TokenChange::Revoked => "The notary will sign: seller API token revoked",
        }
    }

    /// The fields of the `seller_token` entry, in the order the notary signs them.
    fn fields(&self, f: &mut Fields) {
        f.add("Party id", &self.party.id);
        f.add("Seller", &self.party.name);
        f.add("Change", self.change.as_str());
        f.add("Changed at", "the notary's clock when it signs");
        f.add(
            "Logged",
            "that the token changed, never the token or its hash",
        );
        f.add(
            "Effect",
            match self.change {
                TokenChange::Rotated => {
                    "the current token stops working at once; the new one is shown once"
                }
                TokenChange::Revoked => {
                    "the current token stops working at once (401); t gives a new one"
                }
            },
        );
    }

    /// The request this plan authorises.
    fn op(&self) -> Op {
        Op::SellerToken {
            party_id: self.party.id.clone(),
            change: self.change,
        }
    }

    /// Signed as confirmed (a rotation with its new token, shown once), or not.
    fn outcome(&self, t: &SellerTokenItem) -> ActionOutcome {
        let token_as_asked = match self.change {
            TokenChange::Rotated => t.api_token.is_some(),
            TokenChange::Revoked => t.api_token.is_none(),
        };
        if t.party_id != self.party.id || t.change != self.change || !token_as_asked {
            return ActionOutcome::Mismatch(
                "the notary's answer is not the token change you confirmed".into(),
            );
        }
        let mut fields = Fields::default();
        fields.add("Seller", &self.party.name);
        fields.add("Party id", &t.party_id);
        fields.add("Change", t.change.as_str());
        fields.add("Changed at", &t.changed_at);
        fields.add("Log index", &t.log_index.to_string());
        let title = match t.change {
            TokenChange::Rotated => "Seller token rotated",
            TokenChange::Revoked => "Seller token revoked",
        };
        fields.done(title, t.api_token.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::tests::fixtures::{agreement, hello, key, party, policies};

    fn agreement_plan() -> AgreementPlan {
        let buyer = party(0);
        AgreementPlan {
            buyer_id: buyer.id.clone(),
            buyer_name: buyer.name,
            policy: policies()[0].clone(),
            total_cap_minor: 100_000,
            per_tx_cap_minor: 20_000,
            keys: vec![key(1, &party(0).id, false).key_id],
        }
    }

    #[test]
    fn party_fields_show_the_name_inert_and_the_op_carries_it_verbatim() {
        let name = "Evil\x1b[2J\u{202e}Corp";
        let plan = LedgerPlan::Party(PartyPlan {
            name: name.into(),
            role: Role::Seller,
        });
        let fields = plan.fields(&hello());
        let shown = &fields
            .iter()
            .find(|f| f.label == "Name")
            .expect("name")
            .value;
        assert_eq!(shown, "Evil\\x1b[2J\\u{202e}Corp");
        assert_eq!(
            plan.op(),
            Op::PartyRegister {
                name: name.into(),
                role: Role::Seller,
                public_key_hex: None,
                certificate_b64: None,
            }
        );
    }

    #[test]
    fn agreement_op_sends_the_caps_and_keys_that_were_shown() {
        let plan = LedgerPlan::Agreement(agreement_plan());
        let fields = plan.fields(&hello());
        let value = |l: &str| {
            fields
                .iter()
                .find(|f| f.label == l)
                .map(|f| f.value.clone())
                .expect("field")
        };
        assert_eq!(value("Total cap"), "1000.00 EUR");
        assert_eq!(value("Per tx cap"), "200.00 EUR");
        let Op::AgreementCreate {
            total_cap_minor,
            per_tx_cap_minor,
            keys,
            ..
        } = plan.op()
        else {
            panic!("not an agreement_create")
        };
        assert_eq!(
            (total_cap_minor, per_tx_cap_minor),
            (Some(100_000), Some(20_000))
        );
        assert_eq!(keys, Some(vec![value("Keys")]));
    }

    #[test]
    fn answers_are_checked_against_the_plan() {
        let plan = LedgerPlan::Agreement(agreement_plan());
        let mut a = agreement(0, 0, 100_000);
        a.buyer_id = party(0).id;
        a.per_tx_cap_minor = 20_000;
        a.policy_digest = "d1".repeat(32);
        a.keys = vec![key(1, &party(0).id, false).key_id];
        assert!(matches!(
            plan.outcome(&Reply::Agreement(a.clone())),
            ActionOutcome::Done { .. }
        ));
        a.total_cap_minor = 100_001;
        assert!(matches!(
            plan.outcome(&Reply::Agreement(a)),
            ActionOutcome::Mismatch(_)
        ));
        let seller = LedgerPlan::Party(PartyPlan {
            name: "Sally Seller".into(),
            role: Role::Seller,
        });
        let reply = Reply::PartyRegistered {
            party: party(1),
            key: None,
            api_token: None,
        };
        assert!(
            matches!(seller.outcome(&reply), ActionOutcome::Mismatch(_)),
            "a seller without a token is flagged"
        );
    }
}
