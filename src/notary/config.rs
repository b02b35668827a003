//! `notar.toml`: what an operator may set. Parsed once at start; unknown fields are errors, so a
//! typo never silently falls back to a default.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The whole configuration file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Identity of this notary.
    pub notary: NotarySection,
    /// Public HTTP API.
    pub http: HttpSection,
    /// RFC 3161 timestamping.
    pub timestamp: TimestampSection,
    /// Agreements: where policies live, which CAs certify buyer keys.
    #[serde(default)]
    pub agreements: AgreementsSection,
    /// Fair exchanges and complaints not tied to an agreement: which policy governs them.
    #[serde(default)]
    pub exchanges: ExchangesSection,
    /// The admin socket (console, CLI): connection cap and idle timeout.
    #[serde(default)]
    pub admin: AdminSection,
    /// Where the database is: RocksDB in the data dir (the default) or PostgreSQL.
    #[serde(default, skip_serializing_if = "StoreSection::is_default")]
    pub store: StoreSection,
    /// Unix user name -> arbitrator: who may use the admin socket. The name is matched together
    /// with a uid: the one pinned in the entry, else the one the name has when the service starts.
    #[serde(default)]
    pub arbitrators: BTreeMap<String, Arbitrator>,
}

/// An `[arbitrators]` entry: `alice = "Alice Martin"` (the uid is the one `alice` has when the
/// service starts), or `alice = { name = "Alice Martin", uid = 1001 }` (pinned).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum Arbitrator {
    /// The display name only.
    Named(String),
    /// The display name and the Unix uid the user name must have.
    Pinned {
        /// The display name.
        name: String,
        /// The Unix uid.
        uid: u32,
    },
}

impl Arbitrator {
    /// The display name, as recorded in what the arbitrator makes the notary sign.
    pub fn name(&self) -> &str {
        match self {
            Arbitrator::Named(name) | Arbitrator::Pinned { name, .. } => name,
        }
    }

    /// The pinned uid, if the entry has one.
    pub fn uid(&self) -> Option<u32> {
        match self {
            Arbitrator::Named(_) => None,
            Arbitrator::Pinned { uid, .. } => Some(*uid),
        }
    }
}

/// `[store]`: absent, the database is RocksDB in the data dir's `db/`. With `url`, it is
/// PostgreSQL (docs/operating.md, "Running on PostgreSQL"); keys stay in the data dir.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StoreSection {
    /// `postgres://user[:password]@host[:port]/dbname`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// How long the writer's lease lasts without renewal: a standby takes over this long after
    /// the writer stops renewing it (milliseconds; 200 to 600000).
    #[serde(default = "default_lease_ms")]
    pub lease_ms: u32,
    /// Serve reads only, from a read-only hot standby of the database: never write, never take
    /// over.
    #[serde(default)]
    pub replica: bool,
}

fn default_lease_ms() -> u32 {
    3000
}

impl Default for StoreSection {
    fn default() -> Self {
        StoreSection {
            url: None,
            lease_ms: default_lease_ms(),
            replica: false,
        }
    }
}

impl StoreSection {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |field, reason: &str| ConfigError::Invalid {
            field,
            reason: reason.into(),
        };
        if let Some(url) = &self.url {
            let scheme = url.starts_with("postgres://") || url.starts_with("postgresql://");
            if !scheme || url.parse::<postgres::Config>().is_err() {
                return Err(invalid(
                    "store.url",
                    "not a postgres://user@host:port/dbname URL",
                ));
            }
        } else if self.replica {
            return Err(invalid("store.replica", "needs store.url (PostgreSQL)"));
        }
        if !(200..=600_000).contains(&self.lease_ms) {
            return Err(invalid("store.lease_ms", "must be 200 to 600000"));
        }
        Ok(())
    }
}

/// `[admin]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AdminSection {
    /// Admin connections served at once; one more is answered `overloaded` and closed.
    #[serde(default = "default_admin_max_connections")]
    pub max_connections: u32,
    /// An admin connection that sends no complete request line for this many seconds is closed
    /// (the console asks for the status every second, so an open console is never idle).
    #[serde(default = "default_admin_idle_timeout_s")]
    pub idle_timeout_s: u32,
}

fn default_admin_max_connections() -> u32 {
    32
}

fn default_admin_idle_timeout_s() -> u32 {
    600
}

impl Default for AdminSection {
    fn default() -> Self {
        AdminSection {
            max_connections: default_admin_max_connections(),
            idle_timeout_s: default_admin_idle_timeout_s(),
        }
    }
}

/// `[agreements]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct AgreementsSection {
    /// Directory of policy files (`*.toml`), relative to the data dir unless absolute.
    #[serde(default = "default_policy_dir")]
    pub policy_dir: String,
    /// CA root certificates (PEM or DER files, relative to the data dir unless absolute) that may
    /// certify buyer keys and sign CRLs.
    #[serde(default)]
    pub ca_roots: Vec<String>,
    /// How often the notary looks for expired guarantees to release, in seconds.
    #[serde(default = "default_expiry_scan_s")]
    pub expiry_scan_s: u32,
    /// Most `GET /v1/agreements/{id}/check` calls one seller makes per minute (a burst of this
    /// many, then this rate); past it, `429 rate_limited` with `Retry-After`.
    #[serde(default = "default_check_per_minute")]
    pub check_per_minute: u32,
}

fn default_check_per_minute() -> u32 {
    600
}

fn default_policy_dir() -> String {
    "policies".into()
}

fn default_expiry_scan_s() -> u32 {
    1
}

impl Default for AgreementsSection {
    fn default() -> Self {
        AgreementsSection {
            policy_dir: default_policy_dir(),
            ca_roots: Vec::new(),
            expiry_scan_s: default_expiry_scan_s(),
            check_per_minute: default_check_per_minute(),
        }
    }
}

/// `[exchanges]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ExchangesSection {
    /// Id of the policy whose `exchange_default_deadline` and `complaint_response_time` apply to
    /// exchanges (and to complaints about them); its latest version, recorded per exchange.
    #[serde(default = "default_exchange_policy")]
    pub policy: String,
}

fn default_exchange_policy() -> String {
    "semper-consumer".into()
}

impl Default for ExchangesSection {
    fn default() -> Self {
        ExchangesSection {
            policy: default_exchange_policy(),
        }
    }
}

/// `[notary]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct NotarySection {
    /// Short name, shown to users.
    pub name: String,
    /// Checkpoint origin line (C2SP tlog-checkpoint), e.g. `notar.example/log`; also the
    /// checkpoint signer's key name, as is the C2SP convention.
    pub log_origin: String,
}

/// `[http]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HttpSection {
    /// `ADDR:PORT` to listen on; `--listen` overrides it.
    pub listen: String,
    /// Seconds a connection has to send a request's headers, counted from when it starts
    /// waiting for a request (accepted, or the previous answer sent): it bounds slow headers
    /// and idle keep-alive connections alike.
    #[serde(default = "default_header_read_timeout_s")]
    pub header_read_timeout_s: u32,
    /// Seconds the server waits for the next piece of a request body before answering
    /// `408 body_timeout` and closing the connection.
    #[serde(default = "default_body_timeout_s")]
    pub body_timeout_s: u32,
    /// Connections served at once; more wait in the kernel's queue. Lowered at start to leave
    /// descriptors for the store and the admin socket under the process's file limit.
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    /// Connections one client address may hold at once (IPv6: per /64); one more is closed.
    #[serde(default = "default_max_connections_per_address")]
    pub max_connections_per_address: u32,
    /// Requests per second one client address may make on the anonymous write routes
    /// (`POST /v1/timestamp`, `/v1/nonce`, `/v1/complaints...`, `/v1/exchanges/...`), on
    /// average; past it they are answered `429 rate_limited`. 0: no limit.
    #[serde(default = "default_anonymous_rate_per_s")]
    pub anonymous_rate_per_s: u32,
    /// How many such requests a client address may make at once before the rate applies.
    #[serde(default = "default_anonymous_burst")]
    pub anonymous_burst: u32,
}

fn default_header_read_timeout_s() -> u32 {
    10
}

fn default_body_timeout_s() -> u32 {
    10
}

fn default_max_connections() -> u32 {
    4096
}

fn default_max_connections_per_address() -> u32 {
    256
}

fn default_anonymous_rate_per_s() -> u32 {
    100
}

fn default_anonymous_burst() -> u32 {
    1000
}

impl HttpSection {
    /// The defaults, listening on `listen`.
    pub fn new(listen: impl Into<String>) -> Self {
        HttpSection {
            listen: listen.into(),
            header_read_timeout_s: default_header_read_timeout_s(),
            body_timeout_s: default_body_timeout_s(),
            max_connections: default_max_connections(),
            max_connections_per_address: default_max_connections_per_address(),
            anonymous_rate_per_s: default_anonymous_rate_per_s(),
            anonymous_burst: default_anonymous_burst(),
        }
    }
}

/// `[timestamp]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TimestampSection {
    /// TSA policy OID put in every token (RFC 3161 `policy`).
    pub policy_oid: String,
    /// Declared accuracy of genTime, in milliseconds (1..=60000).
    pub accuracy_ms: u32,
}

/// The rule for `notary.name`, which `notar init --name` applies before it makes anything (a
/// name the config would refuse left a data dir that could not be served): ASCII letters,
/// digits, '-', '.', '_' (it also names the log's origin and note key and the TSA's subject).
pub fn check_notary_name(name: &str) -> Result<(), ConfigError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
    match ok {
        true => Ok(()),
        false => Err(ConfigError::Invalid {
            field: "notary.name",
            reason: "use letters, digits, '-', '.', '_'".into(),
        }),
    }
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// TOML syntax or a wrong/unknown field; the message names the line.
    #[error("{0}")]
    Parse(String),
    /// A value that parses but cannot work.
    #[error("invalid value for {field}: {reason}")]
    Invalid {
        /// The dotted field name.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
}

impl Config {
    /// Defaults for a fresh data dir; `policy_oid` is chosen by the caller (unique per notary).
    pub fn new_default(name: &str, policy_oid: String) -> Self {
        Config {
            notary: NotarySection {
                name: name.to_string(),
                log_origin: format!("{name}.notar/log"),
            },
            http: HttpSection::new("127.0.0.1:8080"),
            timestamp: TimestampSection {
                policy_oid,
                accuracy_ms: 1000,
            },
            agreements: AgreementsSection::default(),
            exchanges: ExchangesSection::default(),
            admin: AdminSection::default(),
            store: StoreSection::default(),
            arbitrators: BTreeMap::new(),
        }
    }

    /// Parses and validates `notar.toml` text.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// The file text, with a comment header.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string_pretty(self).unwrap_or_default();
        format!(
            "# notar configuration. Edit with the service stopped.\n\
             # [arbitrators] maps Unix user names to arbitrator names: who may open the console;\n\
             # `alice = {{ name = \"Alice\", uid = 1001 }}` also pins the uid (docs/operating.md).\n\
             # [http] and [admin] hold the limits (docs/operating.md, \"Limits\").\n\n{body}"
        )
    }

    /// Checks `[store]` alone (`notar init --store` before the file is written).
    pub fn validate_store(&self) -> Result<(), ConfigError> {
        self.store.validate()
    }

    fn validate(&self) -> Result<(), ConfigError> {
        self.store.validate()?;
        check_notary_name(&self.notary.name)?;
        let origin = &self.notary.log_origin;
        if origin.is_empty()
            || origin
                .chars()
                .any(|c| c.is_control() || c == '+' || c.is_whitespace())
        {
            return Err(ConfigError::Invalid {
                field: "notary.log_origin",
                reason: "must be non-empty, without spaces, '+' or control characters".into(),
            });
        }
        if crate::log::checkpoint::check_origin(origin).is_err()
            || crate::log::checkpoint::check_key_name(origin).is_err()
        {
            return Err(ConfigError::Invalid {
                field: "notary.log_origin",
                reason: "not usable as a C2SP checkpoint origin and key name".into(),
            });
        }
        if self.http.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(ConfigError::Invalid {
                field: "http.listen",
                reason: format!("{:?} is not ADDR:PORT", self.http.listen),
            });
        }
        if self
            .timestamp
            .policy_oid
            .parse::<const_oid::ObjectIdentifier>()
            .is_err()
        {
            return Err(ConfigError::Invalid {
                field: "timestamp.policy_oid",
                reason: format!("{:?} is not a dotted OID", self.timestamp.policy_oid),
            });
        }
        if !(1..=3600).contains(&self.agreements.expiry_scan_s) {
            return Err(ConfigError::Invalid {
                field: "agreements.expiry_scan_s",
                reason: "must be between 1 and 3600".into(),
            });
        }
        if !(1..=1_000_000).contains(&self.agreements.check_per_minute) {
            return Err(ConfigError::Invalid {
                field: "agreements.check_per_minute",
                reason: "must be between 1 and 1000000".into(),
            });
        }
        if !(1..=60_000).contains(&self.timestamp.accuracy_ms) {
            return Err(ConfigError::Invalid {
                field: "timestamp.accuracy_ms",
                reason: "must be between 1 and 60000".into(),
            });
        }
        self.validate_arbitrators()?;
        self.validate_limits()
    }

    /// Arbitrator names go into signed rulings and a second arbitrator must differ from the
    /// first: each is a printable name in one script, and no two look alike (s7 L7: `rооt`
    /// with Cyrillic о was accepted beside `root`, and a ruling read "proposed by root,
    /// confirmed by rооt").
    fn validate_arbitrators(&self) -> Result<(), ConfigError> {
        use crate::model::text::{look_alike, mixes_scripts};
        let invalid = |reason: String| ConfigError::Invalid {
            field: "arbitrators",
            reason,
        };
        let names: Vec<(&String, &str)> = self
            .arbitrators
            .iter()
            .map(|(user, a)| (user, a.name()))
            .collect();
        for (i, (user, name)) in names.iter().enumerate() {
            crate::model::registry::check_name(name)
                .map_err(|e| invalid(format!("{user}: {e}")))?;
            if !name.chars().any(char::is_alphanumeric) {
                return Err(invalid(format!(
                    "{user}: name {name:?} has no letter or digit: a ruling must name its \
                     arbitrator"
                )));
            }
            if mixes_scripts(name) {
                return Err(invalid(format!(
                    "{user}: name {name:?} mixes scripts or uses look-alike letter forms (Latin \
                     with a Cyrillic or Greek letter, full-width or mathematical letters; Latin \
                     with Han, Japanese or Korean is fine): write it in one script, in plain \
                     letters"
                )));
            }
            if let Some((other, _)) = names[..i].iter().find(|(_, n)| look_alike(n, name)) {
                return Err(invalid(format!(
                    "{user}: name {name:?} looks like {other}'s: each arbitrator's name must \
                     tell them apart in a signed ruling"
                )));
            }
        }
        // One Unix account is one arbitrator: a second entry pinned to a uid another already
        // has could never be used, and silently so (s10 S10-7).
        let pinned: Vec<(&String, u32)> = self
            .arbitrators
            .iter()
            .filter_map(|(user, a)| a.uid().map(|uid| (user, uid)))
            .collect();
        for (i, (user, uid)) in pinned.iter().enumerate() {
            if let Some((other, _)) = pinned[..i].iter().find(|(_, u)| u == uid) {
                return Err(invalid(format!(
                    "{user}: uid {uid} is pinned to {other} too: one Unix account is one \
                     arbitrator, so give each entry its own user's uid"
                )));
            }
        }
        Ok(())
    }

    /// Limits are positive (a rate of 0 turns the rate limit off) and timeouts at most a day.
    fn validate_limits(&self) -> Result<(), ConfigError> {
        let (h, a) = (&self.http, &self.admin);
        let day = 1..=86_400;
        let checks: [(&'static str, bool); 7] = [
            (
                "http.header_read_timeout_s",
                day.contains(&h.header_read_timeout_s),
            ),
            ("http.body_timeout_s", day.contains(&h.body_timeout_s)),
            ("http.max_connections", h.max_connections >= 1),
            (
                "http.max_connections_per_address",
                h.max_connections_per_address >= 1,
            ),
            ("http.anonymous_burst", h.anonymous_burst >= 1),
            ("admin.max_connections", a.max_connections >= 1),
            ("admin.idle_timeout_s", day.contains(&a.idle_timeout_s)),
        ];
        match checks.into_iter().find(|(_, ok)| !ok) {
            Some((field, _)) => Err(ConfigError::Invalid {
                field,
                reason: "must be at least 1 (timeouts: 1 to 86400 seconds)".into(),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_round_trips_through_toml() {
        let c = Config::new_default("notar", "2.25.1234".into());
        assert_eq!(Config::parse(&c.to_toml()).expect("parse"), c);
    }

    #[test]
    fn unknown_field_names_the_line() {
        let mut text = Config::new_default("notar", "2.25.1".into()).to_toml();
        text = text.replace("[http]", "[http]\nlisten_typo = 1");
        let err = Config::parse(&text).expect_err("error");
        assert!(err.to_string().contains("listen_typo"), "{err}");
        assert!(err.to_string().contains("line"), "{err}");
    }

    #[test]
    fn bad_values_are_refused() {
        let mut c = Config::new_default("notar", "not-an-oid".into());
        assert!(Config::parse(&c.to_toml()).is_err());
        c.timestamp.policy_oid = "2.25.1".into();
        c.timestamp.accuracy_ms = 0;
        assert!(Config::parse(&c.to_toml()).is_err());
        c.timestamp.accuracy_ms = 1000;
        c.http.listen = "localhost".into();
        assert!(Config::parse(&c.to_toml()).is_err());
        c.http.listen = "127.0.0.1:0".into();
        c.http.header_read_timeout_s = 0;
        let err = Config::parse(&c.to_toml()).expect_err("0 s timeout");
        assert!(
            err.to_string().contains("http.header_read_timeout_s"),
            "{err}"
        );
    }

    #[test]
    fn limits_default_when_absent_and_arbitrators_may_pin_a_uid() {
        let text = "[notary]\nname = \"n\"\nlog_origin = \"n.notar/log\"\n\
                    [http]\nlisten = \"127.0.0.1:8080\"\n\
                    [timestamp]\npolicy_oid = \"2.25.1\"\naccuracy_ms = 1000\n\
                    [arbitrators]\nalice = \"Alice\"\nbob = { name = \"Bob\", uid = 1001 }\n";
        let c = Config::parse(text).expect("parse");
        assert_eq!(c.http, HttpSection::new("127.0.0.1:8080"));
        assert_eq!(c.admin, AdminSection::default());
        assert_eq!(c.arbitrators["alice"], Arbitrator::Named("Alice".into()));
        assert_eq!(c.arbitrators["bob"].uid(), Some(1001));
        assert_eq!(c.arbitrators["bob"].name(), "Bob");
        assert_eq!(Config::parse(&c.to_toml()).expect("round trip"), c);
    }
}
