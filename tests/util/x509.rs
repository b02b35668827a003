//! A test certificate authority made with openssl: Ed25519 keys, certificates, CRLs.

use std::path::{Path, PathBuf};

use super::{openssl, p};

/// An openssl CA (Ed25519) with an `openssl ca` database, under `dir/name`.
pub struct Ca {
    pub dir: PathBuf,
    pub cert: PathBuf,
    pub config: PathBuf,
}

pub fn make_ca(parent: &Path, name: &str, subject: &str) -> Ca {
    let dir = parent.join(name);
    std::fs::create_dir_all(dir.join("newcerts")).expect("mkdir");
    std::fs::write(dir.join("index.txt"), "").expect("index");
    std::fs::write(dir.join("serial"), "1000\n").expect("serial");
    std::fs::write(dir.join("crlnumber"), "01\n").expect("crlnumber");
    let key = dir.join("ca.key");
    let cert = dir.join("ca.crt");
    openssl(&dir, &["genpkey", "-algorithm", "ed25519", "-out", p(&key)]);
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-new",
            "-utf8",
            "-key",
            p(&key),
            "-subj",
            subject,
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            p(&cert),
        ],
    );
    let config = dir.join("openssl.cnf");
    let cnf = format!(
        "[ ca ]\ndefault_ca = CA_default\n\
         [ CA_default ]\ndir = {}\ndatabase = $dir/index.txt\nnew_certs_dir = $dir/newcerts\n\
         certificate = $dir/ca.crt\nprivate_key = $dir/ca.key\nserial = $dir/serial\n\
         crlnumber = $dir/crlnumber\ndefault_md = default\ndefault_days = 365\n\
         default_crl_days = 30\npolicy = policy_any\nunique_subject = no\n\
         x509_extensions = usr_cert\n\
         [ policy_any ]\ncommonName = supplied\norganizationName = optional\n\
         [ usr_cert ]\nbasicConstraints = critical,CA:FALSE\n\
         keyUsage = critical,digitalSignature,nonRepudiation\n",
        p(&dir)
    );
    std::fs::write(&config, cnf).expect("openssl.cnf");
    Ca { dir, cert, config }
}

/// `openssl ca` issues a certificate for a new Ed25519 key; `dates` = (start, end) as
/// `YYYYMMDDHHMMSSZ`.
pub fn issue(ca: &Ca, name: &str, subject: &str, dates: Option<(&str, &str)>) -> PathBuf {
    let key = ca.dir.join(format!("{name}.key"));
    let csr = ca.dir.join(format!("{name}.csr"));
    let cert = ca.dir.join(format!("{name}.crt"));
    openssl(
        &ca.dir,
        &["genpkey", "-algorithm", "ed25519", "-out", p(&key)],
    );
    openssl(
        &ca.dir,
        &[
            "req",
            "-new",
            "-utf8",
            "-key",
            p(&key),
            "-subj",
            subject,
            "-out",
            p(&csr),
        ],
    );
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
    if let Some((start, end)) = dates {
        args.extend(["-startdate", start, "-enddate", end]);
    }
    openssl(&ca.dir, &args);
    cert
}

pub fn gencrl(ca: &Ca) -> PathBuf {
    let crl = ca.dir.join("crl.pem");
    openssl(
        &ca.dir,
        &["ca", "-config", p(&ca.config), "-gencrl", "-out", p(&crl)],
    );
    crl
}
