//! The `notar` binary: parses the command line and hands over to `notar::cli`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    notar::cli::unset_empty_settings();
    let args = notar::cli::Cli::parse();
    notar::cli::main(args)
}
