//! `notar samples cases --out DIR [ROW]...`: plays the Disputes rows of the scenarios (D1–D11)
//! on fresh notaries whose clock the generator moves, and writes each case's evidence bundle to
//! `DIR/ROW.bundle.json` (`notar::notary::fixture::cases`). This is how `samples/cases/` is made.

use std::path::PathBuf;

use anyhow::anyhow;
use clap::{Args, Subcommand};

use super::{Classify, Failure};
use crate::notary::fixture::cases::{generate, ROWS};

/// `notar samples`.
#[derive(Debug, Args)]
pub struct SamplesArgs {
    /// What to make.
    #[command(subcommand)]
    pub command: SamplesCommand,
}

/// Sample data made by a real notary.
#[derive(Debug, Subcommand)]
pub enum SamplesCommand {
    /// Write the evidence bundles of the scenarios' Disputes rows (D1 D2 D4-capped D4-strict
    /// D5-capped D5-strict D7 D9 D10 D11), each played by its own new notary with real keys on a
    /// clock moved to the row's times, then exported as its case: DIR/ROW.bundle.json (see
    /// samples/cases/README.md). The notaries live in a temporary directory, removed afterwards.
    Cases {
        /// Where to write the bundles (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Only these rows (default: all), e.g. D7 D4-strict.
        rows: Vec<String>,
    },
}

/// Runs `notar samples`.
pub async fn run(args: SamplesArgs) -> Result<(), Failure> {
    let SamplesCommand::Cases { out, rows } = args.command;
    let rows: Vec<&str> = if rows.is_empty() {
        ROWS.to_vec()
    } else {
        rows.iter().map(String::as_str).collect()
    };
    if let Some(bad) = rows.iter().find(|r| !ROWS.contains(r)) {
        return Err(Failure::Usage(anyhow!(
            "no row {bad:?}; the rows are {}",
            ROWS.join(" ")
        )));
    }
    let work = std::env::temp_dir().join(format!("notar-cases-{}", std::process::id()));
    let written = generate(&rows, &out, &work).await;
    let _ = std::fs::remove_dir_all(&work);
    for path in written.refused()? {
        outln!("{}", path.display());
    }
    Ok(())
}
