//! The file descriptor budget of `notar serve`: the soft `RLIMIT_NOFILE` is raised to the hard
//! one at start (as Go's runtime does; the usual soft limit of 1,024 is a relic of `select`), and
//! HTTP connections are capped well below it, so that RocksDB, the admin socket and the log
//! always have descriptors left, however many clients connect.

use nix::sys::resource::{getrlimit, setrlimit, Resource};

use crate::api::server::ConnLimits;
use crate::notary::config::Config;

/// Descriptors kept for everything but HTTP and admin connections: RocksDB's files, the
/// listeners, the log, the sequencer.
pub const RESERVED_FDS: u64 = 256;

/// HTTP connections allowed at least, however low the descriptor limit.
pub const CONNECTIONS_MIN: u64 = 16;

/// Raises the soft descriptor limit to the hard one; the soft limit after (`None` when it cannot
/// be read).
pub fn raise_nofile() -> Option<u64> {
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).ok()?;
    if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        return Some(hard);
    }
    Some(soft)
}

/// HTTP connections served at once: the configured cap, lowered to leave [`RESERVED_FDS`] and
/// the admin connections under the descriptor limit `nofile`.
pub fn http_connections(configured: u32, admin: u32, nofile: Option<u64>) -> u64 {
    let configured = u64::from(configured);
    match nofile {
        Some(n) => {
            let room = n.saturating_sub(RESERVED_FDS + u64::from(admin));
            configured.min(room.max(CONNECTIONS_MIN))
        }
        None => configured,
    }
}

/// The HTTP connection limits for `config` under the descriptor limit `nofile`, logged once.
pub fn conn_limits(config: &Config, nofile: Option<u64>) -> ConnLimits {
    let (http, admin) = (&config.http, &config.admin);
    let max = http_connections(http.max_connections, admin.max_connections, nofile);
    if max < u64::from(http.max_connections) {
        tracing::warn!(
            "[http] max_connections {} lowered to {max}: the open-file limit is {}, and {} \
             descriptors stay for the store and the admin socket",
            http.max_connections,
            nofile.unwrap_or(0),
            RESERVED_FDS + u64::from(admin.max_connections)
        );
    }
    let nofile = nofile.map_or("unknown".to_string(), |n| n.to_string());
    tracing::info!(
        "limits: open files {nofile}; HTTP connections {max} ({} per address), headers within \
         {} s, body pieces within {} s, anonymous writes {}/s per address (burst {}); admin \
         connections {}, idle {} s",
        http.max_connections_per_address,
        http.header_read_timeout_s,
        http.body_timeout_s,
        http.anonymous_rate_per_s,
        http.anonymous_burst,
        admin.max_connections,
        admin.idle_timeout_s
    );
    ConnLimits {
        header_read_timeout: std::time::Duration::from_secs(u64::from(http.header_read_timeout_s)),
        max_connections: usize::try_from(max).unwrap_or(usize::MAX),
        max_per_address: http.max_connections_per_address as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_stay_below_the_descriptor_limit() {
        assert_eq!(http_connections(4096, 32, Some(1024)), 1024 - 256 - 32);
        assert_eq!(http_connections(100, 32, Some(1024)), 100);
        assert_eq!(http_connections(4096, 32, Some(1_048_576)), 4096);
        assert_eq!(http_connections(4096, 32, Some(100)), CONNECTIONS_MIN);
        assert_eq!(http_connections(4096, 32, None), 4096);
    }
}
