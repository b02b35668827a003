//! The data directory (docs/design.md §3): its layout, `notar init`, and the checks made before the
//! notary starts on it (permissions, keys that parse, a known schema).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;

use super::config::{Config, ConfigError};
use crate::crypto::escrow::{EscrowError, EscrowSecretKey};
use crate::crypto::keys::{self, KeyError};
use crate::crypto::pki::{self, PkiError};
use crate::crypto::zeroize::Zeroizing;

/// Default TSA policy OID: the one from OpenSSL's sample configuration. A notary in production
/// puts its own registered policy OID in `notar.toml`.
pub const DEFAULT_POLICY_OID: &str = "1.2.3.4.1";

/// Why a data dir cannot be created or used.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// `init` on a directory that already holds something.
    #[error("{0} already exists and is not empty; refusing to overwrite it")]
    NotEmpty(PathBuf),
    /// A secret is readable by others than its owner.
    #[error("{path} has mode {mode:o}, too open for a notary's secrets (at most {want:o}: chmod {want:o} {path})")]
    LoosePermissions {
        /// The offending file or directory.
        path: PathBuf,
        /// Its mode bits.
        mode: u32,
        /// The mode to set.
        want: u32,
    },
    /// A file is missing or unreadable.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// `notar.toml` is unusable.
    #[error("{path}: {source}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: ConfigError,
    },
    /// A key file does not parse.
    #[error("{path}: {source}")]
    Key {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: KeyError,
    },
    /// The escrow key file does not parse.
    #[error("{path}: {source}")]
    EscrowKey {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: EscrowError,
    },
    /// The TSA certificate chain could not be made or read.
    #[error("TSA certificates: {0}")]
    Pki(#[from] PkiError),
}

/// The policy files `notar init` puts in a new data dir.
pub const SHIPPED_POLICIES: [(&str, &str); 2] = [
    (
        "semper-consumer.toml",
        include_str!("../../policies/semper-consumer.toml"),
    ),
    (
        "semper-business.toml",
        include_str!("../../policies/semper-business.toml"),
    ),
];

/// Paths inside one data dir.
#[derive(Clone, Debug)]
pub struct DataDir {
    root: PathBuf,
}

/// What `init` writes and `open` reads back.
pub struct Material {
    /// Parsed `notar.toml`.
    pub config: Config,
    /// Signs everything but RFC 3161 tokens.
    pub notary_key: SigningKey,
    /// Opens the fair-exchange escrows sealed to the notary (HPKE, X25519).
    pub escrow_key: EscrowSecretKey,
    /// PKCS#8 PEM of the TSA's P-256 key.
    pub tsa_key_pem: String,
    /// TSA certificate, PEM.
    pub tsa_cert_pem: String,
    /// Root certificate that issued the TSA certificate, PEM.
    pub root_cert_pem: String,
}

impl DataDir {
    /// A data dir at `root` (nothing is checked yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// `notar.toml`.
    pub fn config_path(&self) -> PathBuf {
        self.root.join("notar.toml")
    }
    /// `keys/`.
    pub fn keys_dir(&self) -> PathBuf {
        self.root.join("keys")
    }
    /// `keys/notary.ed25519.pem`.
    pub fn notary_key_path(&self) -> PathBuf {
        self.keys_dir().join("notary.ed25519.pem")
    }
    /// `keys/escrow.x25519.pem`: the X25519 key fair-exchange escrows are sealed to. Losing it
    /// means the escrows made for this notary can never be opened.
    pub fn escrow_key_path(&self) -> PathBuf {
        self.keys_dir().join("escrow.x25519.pem")
    }
    /// `keys/tsa.p256.pem`.
    pub fn tsa_key_path(&self) -> PathBuf {
        self.keys_dir().join("tsa.p256.pem")
    }
    /// `keys/tsa.crt`.
    pub fn tsa_cert_path(&self) -> PathBuf {
        self.keys_dir().join("tsa.crt")
    }
    /// `keys/root.crt`.
    pub fn root_cert_path(&self) -> PathBuf {
        self.keys_dir().join("root.crt")
    }
    /// `db/` (RocksDB).
    pub fn db_path(&self) -> PathBuf {
        self.root.join("db")
    }
    /// `admin.sock`.
    pub fn admin_socket_path(&self) -> PathBuf {
        self.root.join("admin.sock")
    }

    /// A path from `notar.toml`: relative paths are relative to the data dir.
    pub fn resolve(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.root.join(p)
        }
    }

    /// True when there is a data dir here (its config file exists).
    pub fn exists(&self) -> bool {
        self.config_path().exists()
    }

    /// Creates the directory, config and keys. The database is created by the notary (so the
    /// genesis log entry goes through the one write path).
    pub fn create(&self, name: &str, now: DateTime<Utc>) -> Result<Material, DataDirError> {
        if let Ok(mut entries) = fs::read_dir(&self.root) {
            if entries.next().is_some() {
                return Err(DataDirError::NotEmpty(self.root.clone()));
            }
        }
        make_private_dir(&self.root)?;
        make_private_dir(&self.keys_dir())?;
        let mut config = Config::new_default(name, DEFAULT_POLICY_OID.into());
        // Whoever creates the notary is its first arbitrator; more are added in notar.toml.
        if let Ok(Some(me)) = nix::unistd::User::from_uid(nix::unistd::getuid()) {
            config
                .arbitrators
                .insert(me.name.clone(), super::config::Arbitrator::Named(me.name));
        }
        let notary_key = keys::generate_ed25519();
        let notary_pem = keys::ed25519_to_pem(&notary_key).map_err(|source| DataDirError::Key {
            path: self.notary_key_path(),
            source,
        })?;
        let escrow_key = EscrowSecretKey::generate();
        let pki = pki::generate_tsa_pki(name, now, 3650)?;
        write_new(&self.notary_key_path(), notary_pem.as_bytes(), 0o600)?;
        write_new(
            &self.escrow_key_path(),
            escrow_key.to_pem().as_bytes(),
            0o600,
        )?;
        write_new(&self.tsa_key_path(), pki.tsa_key_pem.as_bytes(), 0o600)?;
        write_new(&self.tsa_cert_path(), pki.tsa_cert_pem.as_bytes(), 0o644)?;
        write_new(&self.root_cert_path(), pki.root_cert_pem.as_bytes(), 0o644)?;
        write_new(&self.config_path(), config.to_toml().as_bytes(), 0o644)?;
        // The shipped SEMPER policies, so agreements can be made at once.
        let policy_dir = self.resolve(&config.agreements.policy_dir);
        make_private_dir(&policy_dir)?;
        for (file, text) in SHIPPED_POLICIES {
            write_new(&policy_dir.join(file), text.as_bytes(), 0o644)?;
        }
        Ok(Material {
            config,
            notary_key,
            escrow_key,
            tsa_key_pem: pki.tsa_key_pem,
            tsa_cert_pem: pki.tsa_cert_pem,
            root_cert_pem: pki.root_cert_pem,
        })
    }

    /// Checks permissions and reads config and keys. A data dir made before fair exchange has no
    /// escrow key: it gains one here (logged once, as a warning).
    pub fn load(&self) -> Result<Material, DataDirError> {
        self.check_permissions()?;
        let escrow_key = self.load_or_add_escrow_key()?;
        let text = read(&self.config_path())?;
        let config = Config::parse(&text).map_err(|source| DataDirError::Config {
            path: self.config_path(),
            source,
        })?;
        let notary_key =
            keys::ed25519_from_pem(&read(&self.notary_key_path())?).map_err(|source| {
                DataDirError::Key {
                    path: self.notary_key_path(),
                    source,
                }
            })?;
        Ok(Material {
            config,
            notary_key,
            escrow_key,
            tsa_key_pem: read(&self.tsa_key_path())?,
            tsa_cert_pem: read(&self.tsa_cert_path())?,
            root_cert_pem: read(&self.root_cert_path())?,
        })
    }

    /// Reads the escrow key, or makes and writes one (mode 0600) when the file does not exist.
    fn load_or_add_escrow_key(&self) -> Result<EscrowSecretKey, DataDirError> {
        let path = self.escrow_key_path();
        if !path.exists() {
            let key = EscrowSecretKey::generate();
            write_new(&path, key.to_pem().as_bytes(), 0o600)?;
            tracing::warn!(
                "{}: this data dir had no escrow key (made by an earlier notar); made one, back it up with the other keys",
                path.display()
            );
            return Ok(key);
        }
        let pem = Zeroizing::new(read(&path)?);
        EscrowSecretKey::from_pem(&pem).map_err(|source| DataDirError::EscrowKey { path, source })
    }

    /// Refuses a data dir, keys dir or key file that group or others can access. The one
    /// exception: the data dir may grant its group search (`0710`), so that arbitrators in that
    /// group can reach `admin.sock` without being able to list or read anything. The escrow key
    /// is checked when it exists (a data dir from before fair exchange gains it at load).
    pub fn check_permissions(&self) -> Result<(), DataDirError> {
        let escrow = self.escrow_key_path();
        let escrow = escrow.exists().then_some((escrow, 0o077, 0o600));
        let fixed = [
            (self.root.clone(), 0o067, 0o710),
            (self.keys_dir(), 0o077, 0o700),
            (self.notary_key_path(), 0o077, 0o600),
            (self.tsa_key_path(), 0o077, 0o600),
        ];
        for (path, forbidden, want) in fixed.into_iter().chain(escrow) {
            let meta = fs::metadata(&path).map_err(|source| DataDirError::Io {
                path: path.clone(),
                source,
            })?;
            let mode = meta.permissions().mode() & 0o777;
            if mode & forbidden != 0 {
                return Err(DataDirError::LoosePermissions { path, mode, want });
            }
        }
        Ok(())
    }
}

fn make_private_dir(path: &Path) -> Result<(), DataDirError> {
    let io = |source| DataDirError::Io {
        path: path.to_path_buf(),
        source,
    };
    fs::create_dir_all(path).map_err(io)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o700)).map_err(io)
}

/// Writes a new file with `mode`; never replaces an existing one.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), DataDirError> {
    let io = |source| DataDirError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)
}

fn read(path: &Path) -> Result<String, DataDirError> {
    fs::read_to_string(path).map_err(|source| DataDirError::Io {
        path: path.to_path_buf(),
        source,
    })
}
