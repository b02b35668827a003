//! `DATA/samples-tokens.txt`: the sample sellers' API tokens (secret, so mode 0600), with a few
//! `curl` lines to try the first seller's token on one of its open guarantees.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;

use super::load::{Loaded, Registered};
use super::plan::Plan;
use super::TOKENS_FILE;

/// Writes the sellers' tokens, with an example guarantee and agreement for the first seller.
pub(super) fn write_tokens(
    data: &Path,
    url: &str,
    out: &Loaded,
    reg: &Registered,
    plan: &Plan,
    ids: &[Option<String>],
) -> anyhow::Result<()> {
    let mut text = String::from(
        "# API tokens of the sample sellers that `notar up` loaded. Secret: keep this file 0600.\n\
         # name\tseller_id\ttoken\n",
    );
    for s in &out.sellers {
        text.push_str(&format!("{}\t{}\t{}\n", s.name, s.id, s.token));
    }
    if let Some(example) = example(url, out, reg, plan, ids) {
        text.push_str(&example);
    }
    let path = data.join(TOKENS_FILE);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

/// `curl` lines for the first seller: read, check and settle one of its guarantees that the
/// samples left open.
fn example(
    url: &str,
    out: &Loaded,
    reg: &Registered,
    plan: &Plan,
    ids: &[Option<String>],
) -> Option<String> {
    let closed: Vec<usize> = plan.closings.iter().map(|c| c.ask).collect();
    let i = (0..plan.first.len()).find(|&i| {
        plan.first[i].seller == 0 && ids.get(i).is_some_and(Option::is_some) && !closed.contains(&i)
    })?;
    let seller = out.sellers.first()?;
    let gid = ids[i].as_deref().unwrap_or_default();
    let agreement = &reg.buyers[plan.first[i].buyer].agreement_id;
    let t = &seller.token;
    Some(format!(
        "#\n# Try it (the notary where it listened when the samples were loaded; the console's\n\
         # dashboard shows where it listens now):\n\
         #   curl -s -H 'Authorization: Bearer {t}' {url}/v1/guarantees/{gid}\n\
         #   curl -s -H 'Authorization: Bearer {t}' \\\n\
         #     '{url}/v1/agreements/{agreement}/check?amount=25.00'\n\
         #   curl -s -X POST -H 'Authorization: Bearer {t}' \\\n\
         #     {url}/v1/guarantees/{gid}/settle\n"
    ))
}
