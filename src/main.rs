//! The `notar` binary: parses the command line and hands over to `notar::cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    notar::cli::unset_empty_settings();
    let args = notar::cli::parse();
    notar::cli::main(args)
}
