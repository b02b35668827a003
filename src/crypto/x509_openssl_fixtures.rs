use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, NaiveDateTime, Utc};

/// Key algorithm for a CA or a subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alg {
    Ed25519,
    P256,
    Rsa2048,
}

/// A CA made by [`make_ca`], with its own `openssl ca` directory.
#[derive(Debug, Clone)]
pub(crate) struct Ca {
    /// The CA's directory (index.txt, serial, crlnumber, newcerts/, openssl.cnf).
    pub dir: PathBuf,
    /// CA certificate, PEM.
    pub cert: PathBuf,
    /// CA private key, PEM.
    pub key: PathBuf,
    /// The `openssl ca` configuration.
    pub config: PathBuf,
}

/// A certificate issued by [`issue_cert`] and friends.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    /// Subject private key, PEM.
    pub key: PathBuf,
    /// Certificate, PEM.
    pub cert: PathBuf,
    /// Serial as `openssl x509 -serial` prints it, normalised to lowercase without leading
    /// zeros.
    pub serial_hex: String,
}

/// Runs `openssl args...` in `cwd`, returns stdout; panics with stderr on failure.
pub(crate) fn openssl(cwd: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("cannot run openssl (is it installed?): {e}"));
    assert!(
        out.status.success(),
        "openssl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn p(path: &Path) -> &str {
    path.to_str().expect("fixture paths are UTF-8")
}

/// Writes a fresh private key of `alg` to `path` (`openssl genpkey`).
pub(crate) fn gen_key(path: &Path, alg: Alg) {
    let cwd = path.parent().expect("key path has a parent");
    let mut args = vec!["genpkey", "-out", p(path)];
    match alg {
        Alg::Ed25519 => args.extend(["-algorithm", "ed25519"]),
        Alg::P256 => args.extend(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
        Alg::Rsa2048 => args.extend(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]),
    }
    openssl(cwd, &args);
}

/// Makes a self-signed CA under `parent/name/` with `openssl req -x509` (critical
/// basicConstraints CA:TRUE, keyUsage keyCertSign+cRLSign, 10 years) and an `openssl ca`
/// setup (`default_md = default`, which Ed25519 needs).
pub(crate) fn make_ca(parent: &Path, name: &str, alg: Alg, subject: &str) -> Ca {
    let dir = parent.join(name);
    fs::create_dir_all(dir.join("newcerts")).expect("mkdir CA dir");
    fs::write(dir.join("index.txt"), "").expect("write index.txt");
    fs::write(dir.join("serial"), "1000\n").expect("write serial");
    fs::write(dir.join("crlnumber"), "01\n").expect("write crlnumber");
    let key = dir.join("ca.key");
    let cert = dir.join("ca.pem");
    gen_key(&key, alg);
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            p(&key),
            "-subj",
            subject,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-days",
            "3650",
            "-out",
            p(&cert),
        ],
    );
    let config = dir.join("openssl.cnf");
    let cnf = format!(
        "[ ca ]\n\
         default_ca = CA_default\n\
         [ CA_default ]\n\
         dir = {dir}\n\
         database = $dir/index.txt\n\
         new_certs_dir = $dir/newcerts\n\
         certificate = $dir/ca.pem\n\
         private_key = $dir/ca.key\n\
         serial = $dir/serial\n\
         crlnumber = $dir/crlnumber\n\
         default_md = default\n\
         default_days = 365\n\
         default_crl_days = 30\n\
         policy = policy_any\n\
         unique_subject = no\n\
         copy_extensions = none\n\
         x509_extensions = usr_cert\n\
         crl_extensions = crl_ext\n\
         [ policy_any ]\n\
         commonName = supplied\n\
         organizationName = optional\n\
         [ usr_cert ]\n\
         basicConstraints = critical,CA:FALSE\n\
         keyUsage = critical,digitalSignature,nonRepudiation\n\
         [ crl_ext ]\n\
         authorityKeyIdentifier = keyid:always\n",
        dir = p(&dir)
    );
    fs::write(&config, cnf).expect("write openssl.cnf");
    Ca {
        dir,
        cert,
        key,
        config,
    }
}

/// New key of `alg` plus a CSR for `subject`, in `dir`; returns (key, csr).
pub(crate) fn make_csr(dir: &Path, name: &str, alg: Alg, subject: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{name}.key"));
    let csr = dir.join(format!("{name}.csr"));
    gen_key(&key, alg);
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-key",
            p(&key),
            "-subj",
            subject,
            "-out",
            p(&csr),
        ],
    );
    (key, csr)
}

/// Normalised serial of a PEM certificate, from `openssl x509 -serial`.
pub(crate) fn serial_of(cert: &Path) -> String {
    let out = openssl(
        Path::new("/"),
        &["x509", "-in", p(cert), "-noout", "-serial"],
    );
    let text = String::from_utf8_lossy(&out);
    let hex = text
        .trim()
        .trim_start_matches("serial=")
        .to_ascii_lowercase();
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.into()
    }
}

fn issue_with_ca(ca: &Ca, name: &str, alg: Alg, subject: &str, extra: &[&str]) -> Issued {
    let (key, csr) = make_csr(&ca.dir, name, alg, subject);
    let cert = ca.dir.join(format!("{name}.pem"));
    let mut args = vec![
        "ca",
        "-batch",
        "-notext",
        "-config",
        p(&ca.config),
        "-in",
        p(&csr),
        "-out",
        p(&cert),
    ];
    args.extend_from_slice(extra);
    openssl(&ca.dir, &args);
    let serial_hex = serial_of(&cert);
    Issued {
        key,
        cert,
        serial_hex,
    }
}

/// `openssl ca` issues a certificate for a new `alg` key (365 days from now).
pub(crate) fn issue_cert(ca: &Ca, name: &str, alg: Alg, subject: &str) -> Issued {
    issue_with_ca(ca, name, alg, subject, &[])
}

/// `openssl ca -startdate start -enddate end` (`YYYYMMDDHHMMSSZ`).
pub(crate) fn issue_cert_dated(
    ca: &Ca,
    name: &str,
    alg: Alg,
    subject: &str,
    start: &str,
    end: &str,
) -> Issued {
    issue_with_ca(
        ca,
        name,
        alg,
        subject,
        &["-startdate", start, "-enddate", end],
    )
}

/// `openssl x509 -req -CA ... -set_serial serial -days days` (no CA database involved).
pub(crate) fn issue_cert_x509_req(
    ca: &Ca,
    name: &str,
    alg: Alg,
    subject: &str,
    serial: &str,
    days: u32,
) -> Issued {
    let (key, csr) = make_csr(&ca.dir, name, alg, subject);
    let ext = ca.dir.join(format!("{name}.ext"));
    fs::write(
        &ext,
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n",
    )
    .expect("write extfile");
    let cert = ca.dir.join(format!("{name}.pem"));
    let days = days.to_string();
    openssl(
        &ca.dir,
        &[
            "x509",
            "-req",
            "-in",
            p(&csr),
            "-CA",
            p(&ca.cert),
            "-CAkey",
            p(&ca.key),
            "-set_serial",
            serial,
            "-days",
            &days,
            "-extfile",
            p(&ext),
            "-out",
            p(&cert),
        ],
    );
    let serial_hex = serial_of(&cert);
    Issued {
        key,
        cert,
        serial_hex,
    }
}

/// `openssl ca -revoke cert -crl_reason reason`.
pub(crate) fn revoke(ca: &Ca, cert: &Path, reason: &str) {
    openssl(
        &ca.dir,
        &[
            "ca",
            "-config",
            p(&ca.config),
            "-revoke",
            p(cert),
            "-crl_reason",
            reason,
        ],
    );
}

/// `openssl ca -gencrl` into `<ca dir>/<name>.crl.pem`.
pub(crate) fn gencrl(ca: &Ca, name: &str) -> PathBuf {
    let out = ca.dir.join(format!("{name}.crl.pem"));
    openssl(
        &ca.dir,
        &["ca", "-config", p(&ca.config), "-gencrl", "-out", p(&out)],
    );
    out
}

/// Revokes `cert` with `reason` and generates a CRL; returns the CRL (PEM) path.
pub(crate) fn revoke_and_gencrl(ca: &Ca, cert: &Path, reason: &str) -> PathBuf {
    revoke(ca, cert, reason);
    gencrl(ca, "revoked")
}

/// DER form of a PEM certificate (`kind = "x509"`) or CRL (`kind = "crl"`).
pub(crate) fn to_der(pem: &Path, kind: &str) -> Vec<u8> {
    openssl(Path::new("/"), &[kind, "-in", p(pem), "-outform", "DER"])
}

/// Raw 32-byte Ed25519 public key of a private key file (last 32 bytes of the SPKI).
pub(crate) fn raw_ed25519_public(key: &Path) -> Vec<u8> {
    let spki = spki_der(key);
    spki[spki.len() - 32..].to_vec()
}

/// SubjectPublicKeyInfo DER of a private key file (`openssl pkey -pubout`).
pub(crate) fn spki_der(key: &Path) -> Vec<u8> {
    openssl(
        Path::new("/"),
        &["pkey", "-in", p(key), "-pubout", "-outform", "DER"],
    )
}

/// (notBefore, notAfter) as openssl reads them.
pub(crate) fn cert_dates(cert: &Path) -> (DateTime<Utc>, DateTime<Utc>) {
    let out = openssl(
        Path::new("/"),
        &[
            "x509",
            "-in",
            p(cert),
            "-noout",
            "-dates",
            "-dateopt",
            "iso_8601",
        ],
    );
    let text = String::from_utf8_lossy(&out);
    let get = |field: &str| {
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .unwrap_or_else(|| panic!("no {field} in {text}"));
        NaiveDateTime::parse_from_str(line.trim(), "%Y-%m-%d %H:%M:%SZ")
            .unwrap_or_else(|e| panic!("bad date {line}: {e}"))
            .and_utc()
    };
    (get("notBefore="), get("notAfter="))
}

/// Revocation date and reason the CA database (index.txt) holds for `serial_hex`.
pub(crate) fn revocation_in_index(ca: &Ca, serial_hex: &str) -> (DateTime<Utc>, Option<String>) {
    let index = fs::read_to_string(ca.dir.join("index.txt")).expect("read index.txt");
    for line in index.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let serial = cols[3].to_ascii_lowercase();
        if cols[0] == "R" && serial.trim_start_matches('0') == serial_hex {
            let (date, reason) = match cols[2].split_once(',') {
                Some((d, r)) => (d, Some(r.to_string())),
                None => (cols[2], None),
            };
            let date = NaiveDateTime::parse_from_str(date.trim_end_matches('Z'), "%y%m%d%H%M%S")
                .unwrap_or_else(|e| panic!("bad index date {date}: {e}"))
                .and_utc();
            return (date, reason);
        }
    }
    panic!("serial {serial_hex} not revoked in index.txt:\n{index}");
}
