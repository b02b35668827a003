//! RFC 3161 interoperability with stock OpenSSL: queries made by `openssl ts -query`, tokens
//! issued by notar's library and checked by `openssl ts -verify`, and the reverse (tokens made
//! by `openssl ts -reply` with notar's key, checked by notar's verifier).
//!
//! Uses only the library API and the `openssl` command line (3.0 or later); no server.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::Utc;
use der::oid::ObjectIdentifier;
use notar::crypto::pki::{cert_der_from_pem, generate_tsa_pki};
use notar::crypto::tsa::{
    issue_response, parse_query, rejection_response, verify_response, FailureInfo, HashAlg,
    TokenParams, TsaError, TsaSigner,
};

const POLICY: &str = "1.3.6.1.4.1.99999.1";

/// A temp directory holding a fresh PKI as `notar init` would write it.
struct Tsa {
    dir: tempfile::TempDir,
    signer: TsaSigner,
    root_der: Vec<u8>,
}

impl Tsa {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pki = generate_tsa_pki("Interop", Utc::now(), 30).unwrap();
        fs::write(dir.path().join("root.crt"), &pki.root_cert_pem).unwrap();
        fs::write(dir.path().join("tsa.crt"), &pki.tsa_cert_pem).unwrap();
        fs::write(dir.path().join("tsa.key"), &pki.tsa_key_pem).unwrap();
        Tsa {
            signer: TsaSigner::from_pem(&pki.tsa_key_pem, &pki.tsa_cert_pem).unwrap(),
            root_der: cert_der_from_pem(&pki.root_cert_pem).unwrap(),
            dir,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `openssl ts -query` for a new data file `name`; returns the query's DER.
    fn query(&self, name: &str, data: &[u8], extra: &[&str]) -> Vec<u8> {
        fs::write(self.path(name), data).unwrap();
        let tsq = self.path(&format!("{name}.tsq"));
        let mut args = vec!["ts", "-query", "-data", name, "-out"];
        let tsq_arg = tsq.to_str().unwrap().to_owned();
        args.push(&tsq_arg);
        args.extend_from_slice(extra);
        let (ok, out) = openssl(self.dir.path(), &args);
        assert!(ok, "openssl ts -query failed: {out}");
        fs::read(tsq).unwrap()
    }

    /// `openssl ts -verify -data name -in tsr -CAfile root.crt [-untrusted tsa.crt]`.
    fn openssl_verify(&self, name: &str, tsr: &str, untrusted: bool) -> (bool, String) {
        let mut args = vec![
            "ts", "-verify", "-data", name, "-in", tsr, "-CAfile", "root.crt",
        ];
        if untrusted {
            args.extend_from_slice(&["-untrusted", "tsa.crt"]);
        }
        let (ok, out) = openssl(self.dir.path(), &args);
        (ok && out.contains("Verification: OK"), out)
    }
}

/// Runs openssl in `dir`; returns (exit success, stdout + stderr).
fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command line (3.0+) must be installed for this test");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn policy() -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(POLICY)
}

#[test]
fn generated_key_and_certificate_satisfy_openssl() {
    let tsa = Tsa::new();
    let (ok, out) = openssl(tsa.dir.path(), &["pkey", "-in", "tsa.key", "-noout"]);
    assert!(ok, "openssl pkey rejected the key: {out}");
    let (ok, out) = openssl(
        tsa.dir.path(),
        &["x509", "-in", "tsa.crt", "-noout", "-text"],
    );
    assert!(ok, "{out}");
    assert!(out.contains("X509v3 Extended Key Usage: critical"), "{out}");
    assert!(out.contains("Time Stamping"), "{out}");
    assert!(out.contains("CA:FALSE"), "{out}");
    // OpenSSL prints names in encoding order (O first); RFC 4514 reverses it.
    assert!(
        out.contains("Issuer: O = notar, CN = Interop Root"),
        "{out}"
    );
    let (ok, out) = openssl(
        tsa.dir.path(),
        &[
            "verify",
            "-CAfile",
            "root.crt",
            "-purpose",
            "timestampsign",
            "tsa.crt",
        ],
    );
    assert!(ok && out.contains("tsa.crt: OK"), "{out}");
}

#[test]
fn openssl_verifies_our_tokens() {
    let tsa = Tsa::new();
    let mut serial = 1000u64;
    for alg in ["-sha256", "-sha512"] {
        for no_nonce in [false, true] {
            for cert in [false, true] {
                serial += 1;
                openssl_verifies_one_token(&tsa, serial, alg, no_nonce, cert);
            }
        }
    }
}

/// A query by `openssl ts -query` with `alg`, without a nonce or asking for the certificate as
/// told; our token for it, as `serial`, must satisfy openssl and our own verifier.
fn openssl_verifies_one_token(tsa: &Tsa, serial: u64, alg: &str, no_nonce: bool, cert: bool) {
    let name = format!("f{serial}.txt");
    let data = format!("document {serial} for {alg}\n").into_bytes();
    let mut extra = vec![alg];
    if no_nonce {
        extra.push("-no_nonce");
    }
    if cert {
        extra.push("-cert");
    }
    let tsq = tsa.query(&name, &data, &extra);
    let q = parse_query(&tsq, &policy()).unwrap();
    assert_eq!(q.cert_req, cert);
    assert_eq!(q.nonce.is_none(), no_nonce);
    let params = TokenParams {
        serial,
        gen_time: Utc::now(),
        policy: policy(),
        accuracy_ms: 1_500,
    };
    let tsr_name = format!("{name}.tsr");
    let tsr = issue_response(&tsa.signer, &q, &params).unwrap();
    fs::write(tsa.path(&tsr_name), &tsr).unwrap();

    let case = format!("{alg} no_nonce={no_nonce} cert={cert}");
    let (ok, out) = tsa.openssl_verify(&name, &tsr_name, true);
    assert!(ok, "{case}: openssl rejected our token: {out}");
    if cert {
        // The certificate travels in the token: -untrusted is not needed.
        let (ok, out) = tsa.openssl_verify(&name, &tsr_name, false);
        assert!(ok, "{case}: {out}");
    }
    // Verifying against the query checks the nonce too.
    let tsq_name = format!("{name}.tsq");
    let (ok, out) = openssl(
        tsa.dir.path(),
        &[
            "ts",
            "-verify",
            "-queryfile",
            &tsq_name,
            "-in",
            &tsr_name,
            "-CAfile",
            "root.crt",
            "-untrusted",
            "tsa.crt",
        ],
    );
    assert!(ok && out.contains("Verification: OK"), "{case}: {out}");
    openssl_shows_our_fields(tsa, &tsr_name, &case, serial, q.nonce.as_deref());

    // And our own verifier agrees.
    let v = verify_response(&tsr, &data, &tsa.root_der, Some(tsa.signer.cert_der())).unwrap();
    assert_eq!(v.serial_u64(), Some(serial));
    assert_eq!(v.nonce, q.nonce);
}

/// `openssl ts -reply -text` of the token `tsr_name` shows what we signed.
fn openssl_shows_our_fields(
    tsa: &Tsa,
    tsr_name: &str,
    case: &str,
    serial: u64,
    nonce: Option<&[u8]>,
) {
    let (ok, text) = openssl(tsa.dir.path(), &["ts", "-reply", "-in", tsr_name, "-text"]);
    assert!(ok, "{text}");
    assert!(text.contains("Status: Granted."), "{case}: {text}");
    assert!(text.contains(&format!("Policy OID: {POLICY}")), "{text}");
    // OpenSSL prints whole bytes: 1001 is 0x03E9.
    let serial_hex = format!("{serial:X}");
    let serial_hex = if serial_hex.len() % 2 == 1 {
        format!("0{serial_hex}")
    } else {
        serial_hex
    };
    assert!(
        text.contains(&format!("Serial number: 0x{serial_hex}")),
        "{case}: {text}"
    );
    assert!(
        text.contains("Accuracy: 0x01 seconds, 0x01F4 millis, unspecified micros"),
        "{case}: {text}"
    );
    assert!(text.contains("Ordering: no"), "{text}");
    assert!(text.contains("TSA: DirName:"), "{text}");
    assert!(text.contains("Interop TSA"), "{text}");
    match nonce {
        None => assert!(text.contains("Nonce: unspecified"), "{case}: {text}"),
        Some(nonce) => {
            let shown = hex::encode_upper(nonce.strip_prefix(&[0]).unwrap_or(nonce));
            assert!(
                text.contains(&format!("Nonce: 0x{shown}")),
                "{case}: {text}"
            );
        }
    }
}

#[test]
fn openssl_rejects_tampered_tokens() {
    let tsa = Tsa::new();
    let data = b"tamper with me\n";
    let tsq = tsa.query("t.txt", data, &["-sha256", "-cert"]);
    let q = parse_query(&tsq, &policy()).unwrap();
    let params = TokenParams {
        serial: 7,
        gen_time: Utc::now(),
        policy: policy(),
        accuracy_ms: 1_000,
    };
    let tsr = issue_response(&tsa.signer, &q, &params).unwrap();
    fs::write(tsa.path("good.tsr"), &tsr).unwrap();
    assert!(tsa.openssl_verify("t.txt", "good.tsr", true).0);

    // A TimeStampResp ends with its token's SignerInfo, which ends with the signature.
    let mut bad_sig = tsr.clone();
    *bad_sig.last_mut().unwrap() ^= 0x01;
    fs::write(tsa.path("sig.tsr"), &bad_sig).unwrap();
    let (ok, out) = tsa.openssl_verify("t.txt", "sig.tsr", true);
    assert!(!ok, "openssl accepted a flipped signature: {out}");
    assert!(matches!(
        verify_response(&bad_sig, data, &tsa.root_der, None),
        Err(TsaError::SignatureInvalid)
    ));

    // One bit of the imprint inside the signed TSTInfo.
    let imprint = HashAlg::Sha256.digest(data);
    let at = tsr
        .windows(32)
        .position(|w| w == imprint.as_slice())
        .unwrap();
    let mut bad_tst = tsr.clone();
    bad_tst[at] ^= 0x80;
    fs::write(tsa.path("tst.tsr"), &bad_tst).unwrap();
    let (ok, out) = tsa.openssl_verify("t.txt", "tst.tsr", true);
    assert!(!ok, "openssl accepted a modified TSTInfo: {out}");
    assert!(verify_response(&bad_tst, data, &tsa.root_der, None).is_err());

    // Other data than was stamped.
    fs::write(tsa.path("other.txt"), b"not what was stamped").unwrap();
    let (ok, out) = tsa.openssl_verify("other.txt", "good.tsr", true);
    assert!(!ok, "{out}");
}

#[test]
fn weak_or_unknown_hashes_are_rejected_with_bad_alg() {
    let tsa = Tsa::new();
    for alg in ["-sha1", "-md5"] {
        let tsq = tsa.query("w.txt", b"weak\n", &[alg]);
        let rejection = parse_query(&tsq, &policy()).unwrap_err();
        assert_eq!(rejection.failure, FailureInfo::BadAlg, "{alg}");
        fs::write(tsa.path("rej.tsr"), rejection_response(&rejection)).unwrap();
        let (ok, text) = openssl(tsa.dir.path(), &["ts", "-reply", "-in", "rej.tsr", "-text"]);
        assert!(ok, "{text}");
        assert!(text.contains("Status: Rejected"), "{text}");
        assert!(
            text.contains("unrecognized or unsupported algorithm identifier"),
            "{text}"
        );
    }
}

/// The reverse direction: OpenSSL acting as the TSA with notar's key and certificate, notar's
/// verifier checking the result. Covers ESS signing-certificate v1 (SHA-1, OpenSSL's default)
/// and v2, a signing-time attribute, and fractional genTime written by someone else.
#[test]
fn our_verifier_accepts_openssl_tokens() {
    let tsa = Tsa::new();
    for (ess_alg, precision) in [("sha1", 0), ("sha256", 3)] {
        let dir = tsa.dir.path().display();
        let config = format!(
            "[ tsa ]\ndefault_tsa = tsa_config1\n[ tsa_config1 ]\ndir = {dir}\n\
             serial = $dir/tsaserial\ncrypto_device = builtin\nsigner_cert = $dir/tsa.crt\n\
             certs = $dir/tsa.crt\nsigner_key = $dir/tsa.key\nsigner_digest = sha256\n\
             default_policy = {POLICY}\ndigests = sha256, sha384, sha512\n\
             accuracy = secs:1, millisecs:500\nclock_precision_digits = {precision}\n\
             ordering = no\ntsa_name = yes\ness_cert_id_chain = no\n\
             ess_cert_id_alg = {ess_alg}\n"
        );
        fs::write(tsa.path("tsa.cnf"), config).unwrap();
        fs::write(tsa.path("tsaserial"), "01\n").unwrap();
        let data = format!("made by openssl, ESS {ess_alg}\n").into_bytes();
        tsa.query("o.txt", &data, &["-sha384", "-cert"]);
        let (ok, out) = openssl(
            tsa.dir.path(),
            &[
                "ts",
                "-reply",
                "-config",
                "tsa.cnf",
                "-queryfile",
                "o.txt.tsq",
                "-out",
                "o.tsr",
            ],
        );
        assert!(ok, "openssl ts -reply failed: {out}");
        let tsr = fs::read(tsa.path("o.tsr")).unwrap();
        // id-aa-signingCertificate (…2.12, v1) or id-aa-signingCertificateV2 (…2.47).
        let ess_oid_last = if ess_alg == "sha1" { 0x0c } else { 0x2f };
        let ess_oid = [
            0x06,
            0x0b,
            0x2a,
            0x86,
            0x48,
            0x86,
            0xf7,
            0x0d,
            0x01,
            0x09,
            0x10,
            0x02,
            ess_oid_last,
        ];
        assert!(
            tsr.windows(ess_oid.len()).any(|w| w == ess_oid),
            "{ess_alg}"
        );
        let v = verify_response(&tsr, &data, &tsa.root_der, None)
            .unwrap_or_else(|e| panic!("ESS {ess_alg}: {e}"));
        assert_eq!(v.hash_alg, HashAlg::Sha384);
        assert_eq!(v.policy, policy());
        assert_eq!(v.accuracy_ms, Some(1_500));
        assert!(matches!(
            verify_response(&tsr, b"other", &tsa.root_der, None),
            Err(TsaError::ImprintMismatch)
        ));
    }
}
