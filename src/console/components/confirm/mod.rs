//! The trusted confirmation dialog's state: what the notary is about to sign, which button has
//! the focus, and whether the arbitrator has seen it. Every action that makes the notary sign
//! goes through a [`ConfirmDialog`]; the request is built from the dialog's own plan, so what
//! is sent is what was shown.

use crate::api::admin::proto::{Hello, Op, TimestampItem};

use crate::console::sanitize::sanitize;
use crate::console::screens::agreements::plans::LedgerPlan;

/// The dialog's buttons. The focus starts on `Cancel`, so a stray `Enter` signs nothing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Focus {
    /// Do not sign.
    #[default]
    Cancel,
    /// Sign.
    Sign,
}

/// A timestamp request, as computed locally from the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StampPlan {
    /// The file as the arbitrator named it.
    pub file: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// Hash algorithm name on the wire (`sha256`).
    pub hash_alg: String,
    /// The imprint, lowercase hex.
    pub imprint_hex: String,
}

/// Something the notary would sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignPlan {
    /// An RFC 3161 timestamp over a local file.
    Stamp(StampPlan),
    /// A registry or ledger record (party, agreement, revocation, status change); boxed, it
    /// is much larger than a stamp.
    Ledger(Box<LedgerPlan>),
}

/// One labelled line of the dialog; `value` is already sanitised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Fixed label.
    pub label: &'static str,
    /// Sanitised value (control and bidi characters made visible).
    pub value: String,
}

/// The dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmDialog {
    /// What would be signed.
    pub plan: SignPlan,
    /// The focused button.
    pub focus: Focus,
    /// First content line shown (for content taller than the frame).
    pub scroll: usize,
    /// True once the dialog has been drawn: keys typed before that do not confirm.
    pub armed: bool,
}

impl ConfirmDialog {
    /// A dialog for `plan`, focus on Cancel, not yet armed.
    pub fn new(plan: SignPlan) -> Self {
        ConfirmDialog {
            plan,
            focus: Focus::Cancel,
            scroll: 0,
            armed: false,
        }
    }

    /// The fixed sentence saying what kind of signature this is.
    pub fn headline(&self) -> &'static str {
        match &self.plan {
            SignPlan::Stamp(_) => "The notary will sign an RFC 3161 timestamp",
            SignPlan::Ledger(p) => p.headline(),
        }
    }

    /// Everything that will be signed or bound to the signature, sanitised, in order.
    pub fn fields(&self, hello: &Hello) -> Vec<Field> {
        let f = |label, value: &str| Field {
            label,
            value: sanitize(value),
        };
        match &self.plan {
            SignPlan::Stamp(p) => vec![
                f("File", &p.file),
                f("Size", &format!("{} bytes", group_digits(p.size_bytes))),
                f("Algorithm", &hash_alg_label(&p.hash_alg)),
                f("Imprint", &p.imprint_hex),
                f("Policy OID", &hello.timestamp_policy),
                f("Accuracy", &format!("{} ms", hello.timestamp_accuracy_ms)),
                f("TSA subject", &hello.tsa_subject),
                f(
                    "Operator",
                    &format!("{} (arbitrator {})", hello.operator, hello.arbitrator),
                ),
            ],
            SignPlan::Ledger(p) => p.fields(hello),
        }
    }

    /// The request this dialog authorises.
    pub fn op(&self) -> Op {
        match &self.plan {
            SignPlan::Stamp(p) => Op::Stamp {
                hash_alg: p.hash_alg.clone(),
                imprint: p.imprint_hex.clone(),
            },
            SignPlan::Ledger(p) => p.op(),
        }
    }

    /// The imprint being signed (empty for records that are not timestamps).
    pub fn imprint(&self) -> &str {
        match &self.plan {
            SignPlan::Stamp(p) => &p.imprint_hex,
            SignPlan::Ledger(_) => "",
        }
    }
}

/// What happened to a signing request after confirmation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StampOutcome {
    /// Sent; waiting for the answer.
    Pending {
        /// The imprint sent.
        imprint: String,
    },
    /// Signed over the imprint that was confirmed.
    Done(TimestampItem),
    /// The notary refused or failed; nothing was signed.
    Failed(String),
    /// The answer does not match what was confirmed.
    Mismatch {
        /// What was confirmed.
        expected: String,
        /// What the notary says it signed.
        item: TimestampItem,
    },
    /// The connection ended before the answer: the outcome is unknown.
    Unknown(String),
}

/// `sha256` → `SHA-256`, others shown as they are.
pub fn hash_alg_label(alg: &str) -> String {
    match alg {
        "sha256" => "SHA-256".into(),
        "sha384" => "SHA-384".into(),
        "sha512" => "SHA-512".into(),
        other => other.to_string(),
    }
}

/// `1234567` → `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::tests::fixtures::hello;

    fn plan(file: &str) -> ConfirmDialog {
        ConfirmDialog::new(SignPlan::Stamp(StampPlan {
            file: file.into(),
            size_bytes: 1_234_567,
            hash_alg: "sha256".into(),
            imprint_hex: "ab".repeat(32),
        }))
    }

    #[test]
    fn fields_list_everything_that_is_signed() {
        let d = plan("contract.pdf");
        let fields = d.fields(&hello());
        let labels: Vec<_> = fields.iter().map(|f| f.label).collect();
        assert_eq!(
            labels,
            [
                "File",
                "Size",
                "Algorithm",
                "Imprint",
                "Policy OID",
                "Accuracy",
                "TSA subject",
                "Operator"
            ]
        );
        assert_eq!(fields[1].value, "1,234,567 bytes");
        assert_eq!(fields[3].value, "ab".repeat(32));
        assert_eq!(d.focus, Focus::Cancel);
    }

    #[test]
    fn hostile_file_names_are_inert() {
        let d = plan("a\x1b[31mred\r\u{202e}fdp.exe");
        let file = &d.fields(&hello())[0].value;
        assert_eq!(file, "a\\x1b[31mred\\x0d\\u{202e}fdp.exe");
        assert!(!file.chars().any(crate::console::sanitize::is_hazardous));
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_000), "1,000");
        assert_eq!(group_digits(12_345_678), "12,345,678");
    }
}
