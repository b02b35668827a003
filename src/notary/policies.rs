//! Loading policies and CA roots at start. Policy files are validated (a bad one stops the start
//! with file, line and reason); every version ever used stays known, from the store, so an old
//! agreement keeps the version it recorded. A version seen for the first time is logged. Also
//! the one lookup of the policy that exchanges, and complaints about them, go by.

use std::fs;

use serde_json::json;

use super::command::ToSign;
use super::config::Config;
use super::datadir::DataDir;
use super::sequencer::{Job, Staged};
use super::state::State;
use super::{Notary, NotaryError, Shared};
use crate::crypto::x509::{parse_ca_root, CaRoot};
use crate::model::entry::EntryKind;
use crate::model::policy::{parse_policy, Policy, PolicyBook};
use crate::store::{Cf, Store};

/// Most policy files read from the policy directory.
const POLICY_FILES_MAX: usize = 256;
/// Largest policy file.
const POLICY_LEN_MAX: u64 = 64 * 1024;

/// The policies known at start.
pub(crate) struct Loaded {
    pub book: PolicyBook,
    /// Versions in the directory that the log does not hold yet.
    pub unlogged: Vec<Policy>,
}

/// The policy for exchanges and for complaints about them: the latest version of the config's
/// `[exchanges] policy` (checked to exist at start).
pub(crate) fn exchange_policy<'a>(
    shared: &Shared,
    st: &'a State,
) -> Result<&'a Policy, NotaryError> {
    let id = &shared.config.exchanges.policy;
    st.policies
        .latest(id)
        .ok_or_else(|| NotaryError::Bug(format!("[exchanges] policy {id} is not loaded")))
}

fn setup(message: String) -> NotaryError {
    NotaryError::Setup(message)
}

/// Reads stored policy versions and the policy directory.
pub(crate) fn load(dir: &DataDir, config: &Config, store: &Store) -> Result<Loaded, NotaryError> {
    let mut book = PolicyBook::new();
    for (digest, text) in store.scan_all(Cf::Policies)? {
        let name = format!("stored policy {}", String::from_utf8_lossy(&digest));
        let text = String::from_utf8(text).map_err(|_| NotaryError::Corrupt(name.clone()))?;
        let p = parse_policy(&name, &text).map_err(|e| NotaryError::Corrupt(e.to_string()))?;
        book.insert(p)
            .map_err(|e| NotaryError::Corrupt(e.to_string()))?;
    }
    let pdir = dir.resolve(&config.agreements.policy_dir);
    let mut files: Vec<_> = match fs::read_dir(&pdir) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(e) => {
            return Err(setup(format!(
                "policy directory {}: {e} (agreements.policy_dir in notar.toml)",
                pdir.display()
            )))
        }
    };
    files.sort();
    if files.len() > POLICY_FILES_MAX {
        return Err(setup(format!(
            "more than {POLICY_FILES_MAX} policy files in {}",
            pdir.display()
        )));
    }
    let mut unlogged = Vec::new();
    for path in files {
        let name = path.display().to_string();
        let len = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        if len > POLICY_LEN_MAX {
            return Err(setup(format!("{name}: larger than {POLICY_LEN_MAX} bytes")));
        }
        let text = fs::read_to_string(&path).map_err(|e| setup(format!("{name}: {e}")))?;
        let p = parse_policy(&name, &text).map_err(|e| setup(e.to_string()))?;
        if book.by_digest(&p.digest).is_none() {
            unlogged.push(p.clone());
        }
        book.insert(p).map_err(|e| {
            // The book knows the policy by id; the operator fixes the file, at its version.
            setup(format!("{name}:{}: {}", version_line(&text), e.reason))
        })?;
    }
    Ok(Loaded { book, unlogged })
}

/// The 1-based line of a policy file's `version` key (1 if none is found).
fn version_line(text: &str) -> usize {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix("version")
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(1, |i| i + 1)
}

/// Reads the CA roots listed in `[agreements] ca_roots`.
pub(crate) fn load_ca_roots(dir: &DataDir, config: &Config) -> Result<Vec<CaRoot>, NotaryError> {
    config
        .agreements
        .ca_roots
        .iter()
        .map(|p| {
            let path = dir.resolve(p);
            let bytes =
                fs::read(&path).map_err(|e| setup(format!("CA root {}: {e}", path.display())))?;
            parse_ca_root(&bytes).map_err(|e| setup(format!("CA root {}: {e}", path.display())))
        })
        .collect()
}

/// The `Cf::Meta` key under which the log index of the policy version with `digest` is kept
/// (an evidence bundle cites the logged policy). Policies logged before it was kept have none.
pub(crate) fn policy_log_key(digest: &str) -> Vec<u8> {
    format!("policy_log/{digest}").into_bytes()
}

/// A job that logs a policy version (signed, full text) and stores its text by digest, and
/// remembers where it was logged.
pub(crate) fn log_policy_job(notary: &Notary, p: Policy) -> Job {
    let key = notary.shared.notary_key.clone();
    Box::new(move |ctx| {
        let payload = json!({
            "policy_id": p.id,
            "version": p.version,
            "digest": p.digest,
            "text": p.source,
        });
        let entry = ToSign::new(ctx, EntryKind::Policy, payload, None);
        let records = vec![
            (
                Cf::Policies,
                p.digest.as_bytes().to_vec(),
                p.source.as_bytes().to_vec(),
            ),
            (
                Cf::Meta,
                policy_log_key(&p.digest),
                ctx.index.to_be_bytes().to_vec(),
            ),
        ];
        Some(Staged {
            entry: None,
            deferred: Some(entry.deferred(&key, records)),
            records: Vec::new(),
            finish: Box::new(|r| {
                if let Err(e) = r {
                    tracing::error!("logging a policy failed: {}", e.0);
                }
            }),
        })
    })
}
