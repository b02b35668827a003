//! The data directory (docs/design.md §3): its layout, `notar init`, and the checks made before the
//! notary starts on it (permissions, keys that parse, a known schema).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
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
    /// A file the notary trusts (notar.toml, a policy, a CA root) can be changed by others.
    #[error("{path} has mode {mode:o}: group or others can write it, and the notary trusts what it says (run `chmod go-w {path}`)")]
    Writable {
        /// The offending file or directory.
        path: PathBuf,
        /// Its mode bits.
        mode: u32,
    },
    /// A file the notary trusts belongs to another user, who could change it.
    #[error("{path} is owned by uid {owner}: notar trusts only files of the user it runs as (uid {me}) or of root, as another user could change them (run `chown {me} {path}`)")]
    ForeignOwner {
        /// The offending file or directory.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// The user notar runs as.
        me: u32,
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
    /// Where the database is, as `config` (`[store]`) says: PostgreSQL when it names a URL,
    /// else RocksDB in `db/`.
    pub fn store_location(&self, config: &Config) -> crate::store::Location {
        match &config.store.url {
            Some(url) => crate::store::Location::Postgres {
                url: url.clone(),
                lease: std::time::Duration::from_millis(u64::from(config.store.lease_ms)),
                replica: config.store.replica,
            },
            None => crate::store::Location::Rocks(self.db_path()),
        }
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
        self.create_with_store(name, now, None)
    }

    /// As `create`, with the database in PostgreSQL at `store_url` when given (`[store] url`).
    pub fn create_with_store(
        &self,
        name: &str,
        now: DateTime<Utc>,
        store_url: Option<String>,
    ) -> Result<Material, DataDirError> {
        self.check_new()?;
        let mut config = Config::new_default(name, DEFAULT_POLICY_OID.into());
        config.store.url = store_url;
        config
            .validate_store()
            .map_err(|source| DataDirError::Config {
                path: self.config_path(),
                source,
            })?;
        make_private_dir(&self.root)?;
        make_private_dir(&self.keys_dir())?;
        if config.store.url.is_none() {
            // RocksDB creates its files with the umask's mode; a 0700 db/ keeps them from the
            // group the data dir may grant search to (0710).
            make_private_dir(&self.db_path())?;
        }
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
        // A database password in the store URL keeps notar.toml from other users.
        let with_password = config
            .store
            .url
            .as_deref()
            .and_then(|u| u.parse::<postgres::Config>().ok())
            .is_some_and(|c| c.get_password().is_some());
        let mode = if with_password { 0o600 } else { 0o644 };
        write_new(&self.config_path(), config.to_toml().as_bytes(), mode)?;
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

    /// Refuses to `init` over a directory that holds something.
    pub fn check_new(&self) -> Result<(), DataDirError> {
        if let Ok(mut entries) = fs::read_dir(&self.root) {
            if entries.next().is_some() {
                return Err(DataDirError::NotEmpty(self.root.clone()));
            }
        }
        Ok(())
    }

    /// Undoes a failed `init`: removes everything it made, so that a data dir is either complete
    /// or absent. `existed`: the directory was there (empty) before, and stays (empty).
    pub fn remove_partial(&self, existed: bool) {
        let removed = if existed {
            fs::read_dir(&self.root).and_then(|entries| {
                entries.filter_map(Result::ok).try_for_each(|e| {
                    let path = e.path();
                    if e.file_type()?.is_dir() {
                        fs::remove_dir_all(path)
                    } else {
                        fs::remove_file(path)
                    }
                })
            })
        } else {
            fs::remove_dir_all(&self.root)
        };
        if let Err(e) = removed {
            tracing::error!(
                "{}: could not remove what a failed init made ({e}); remove it before the next init",
                self.root.display()
            );
        }
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
        self.check_trusted(&config)?;
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
    /// `db/` must not be readable by that group either (it holds every record), and `notar.toml`
    /// (it names the arbitrators) must not be writable by anyone else. Each of them is owned by
    /// the user notar runs as, or by root.
    pub fn check_permissions(&self) -> Result<(), DataDirError> {
        let escrow = self.escrow_key_path();
        let escrow = escrow.exists().then_some((escrow, 0o077, 0o600));
        let db = self.db_path();
        let db = db.exists().then_some((db, 0o077, 0o700));
        let fixed = [
            (self.root.clone(), 0o067, 0o710),
            (self.keys_dir(), 0o077, 0o700),
            (self.notary_key_path(), 0o077, 0o600),
            (self.tsa_key_path(), 0o077, 0o600),
            (self.config_path(), 0o022, 0o644),
        ];
        for (path, forbidden, want) in fixed.into_iter().chain(escrow).chain(db) {
            check_path(&path, forbidden, want)?;
        }
        Ok(())
    }

    /// What `notar.toml` points at and the notary trusts: the policy dir and its policy files,
    /// and the CA roots. None may be writable by group or others or owned by another user. A
    /// missing policy dir or root is reported by the code that reads it.
    pub fn check_trusted(&self, config: &Config) -> Result<(), DataDirError> {
        let pdir = self.resolve(&config.agreements.policy_dir);
        if let Ok(entries) = fs::read_dir(&pdir) {
            check_path(&pdir, 0o022, 0o700)?;
            for e in entries.filter_map(Result::ok).take(1024) {
                let path = e.path();
                if path.extension().is_some_and(|x| x == "toml") {
                    check_path(&path, 0o022, 0o644)?;
                }
            }
        }
        for root in &config.agreements.ca_roots {
            let path = self.resolve(root);
            if path.exists() {
                check_path(&path, 0o022, 0o644)?;
            }
        }
        Ok(())
    }
}

/// Refuses `path` when group or others hold a permission in `forbidden`, or when it is owned by
/// neither the user notar runs as nor root (root can change anything anyway). `want` is the
/// mode suggested for a secret; a file that is only trusted, not secret, gets `chmod go-w`.
fn check_path(path: &Path, forbidden: u32, want: u32) -> Result<(), DataDirError> {
    let meta = fs::metadata(path).map_err(|source| DataDirError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let me = nix::unistd::geteuid().as_raw();
    if meta.uid() != me && meta.uid() != 0 {
        return Err(DataDirError::ForeignOwner {
            path: path.to_path_buf(),
            owner: meta.uid(),
            me,
        });
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & forbidden == 0 {
        Ok(())
    } else if forbidden & 0o044 != 0 {
        Err(DataDirError::LoosePermissions {
            path: path.to_path_buf(),
            mode,
            want,
        })
    } else {
        Err(DataDirError::Writable {
            path: path.to_path_buf(),
            mode,
        })
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

/// Writes a new file with `mode`; never replaces an existing one. The bytes go to a temp name
/// beside it, are synced, then linked to `path` and the temp name removed (a rename that fails
/// when `path` exists), and the directory is synced: after a crash `path` is either absent or
/// complete, never a truncated key.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), DataDirError> {
    let io = |source| DataDirError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    // A temp file left by a crashed write is incomplete by definition.
    let _ = fs::remove_file(&tmp);
    let written = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::hard_link(&tmp, path)
    })();
    let _ = fs::remove_file(&tmp);
    written.map_err(io)?;
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(io)
}

fn read(path: &Path) -> Result<String, DataDirError> {
    fs::read_to_string(path).map_err(|source| DataDirError::Io {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_new_never_replaces_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k.pem");
        // A temp file left by a crashed write is no obstacle.
        fs::write(dir.path().join(".k.pem.tmp"), b"half").expect("stale temp");
        write_new(&path, b"first", 0o600).expect("write");
        assert_eq!(fs::read(&path).expect("read"), b"first");
        assert_eq!(
            fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
            0o600
        );
        assert!(
            write_new(&path, b"second", 0o600).is_err(),
            "never replaces"
        );
        assert_eq!(fs::read(&path).expect("read"), b"first");
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("ls")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("k.pem")]);
    }
}
