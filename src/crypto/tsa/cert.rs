//! Certificate checks: which certificate signed a token, whether the root issued it, whether
//! both were valid at `genTime`, whether it may sign timestamps (RFC 3161 §2.3), and ECDSA
//! signature verification with `ring`.

use chrono::{DateTime, Utc};
use cms::cert::CertificateChoices;
use cms::signed_data::SignerIdentifier;
use const_oid::db::rfc5280::{
    ID_CE_BASIC_CONSTRAINTS, ID_CE_EXT_KEY_USAGE, ID_CE_KEY_USAGE, ID_CE_SUBJECT_KEY_IDENTIFIER,
    ID_KP_TIME_STAMPING,
};
use const_oid::db::rfc5912::{
    ECDSA_WITH_SHA_256, ECDSA_WITH_SHA_384, ID_EC_PUBLIC_KEY, SECP_256_R_1, SECP_384_R_1,
};
use der::oid::ObjectIdentifier;
use der::{Decode, Encode};
use ring::signature::UnparsedPublicKey;
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::Certificate;

use super::error::malformed;
use super::TsaError;

/// The signer's certificate: `given` if it matches the signer id, else one of `in_token`.
pub(super) fn signer_cert(
    in_token: &[CertificateChoices],
    sid: &SignerIdentifier,
    given: Option<&[u8]>,
) -> Result<Certificate, TsaError> {
    if let Some(der) = given {
        let cert = Certificate::from_der(der)
            .map_err(|e| TsaError::Malformed(format!("TSA certificate: {e}")))?;
        if sid_matches(sid, &cert) {
            return Ok(cert);
        }
    }
    in_token
        .iter()
        .find_map(|choice| match choice {
            CertificateChoices::Certificate(c) if sid_matches(sid, c) => Some(c.clone()),
            _ => None,
        })
        .ok_or(TsaError::SignerCertificateMissing)
}

/// The signer's certificate `cert` was issued by `root`, both were valid at `gen_time`, and it
/// is a timestamping certificate.
pub(super) fn check_chain(
    cert: &Certificate,
    root: &Certificate,
    gen_time: DateTime<Utc>,
) -> Result<(), TsaError> {
    check_issued_by(cert, root)?;
    for (which, c) in [("TSA", cert), ("root", root)] {
        if !valid_at(c, gen_time) {
            return Err(TsaError::CertificateNotValidAt {
                which,
                at: gen_time,
            });
        }
    }
    check_timestamping_cert(cert).map_err(TsaError::NotTimestampingCertificate)
}

/// Whether `cert` is the one the signer id names.
fn sid_matches(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            ias.issuer == cert.tbs_certificate.issuer
                && ias.serial_number == cert.tbs_certificate.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            extension(cert, ID_CE_SUBJECT_KEY_IDENTIFIER)
                .and_then(|e| SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).ok())
                .is_some_and(|own| own == *ski)
        }
    }
}

/// The extension `oid` of `cert`, if present.
fn extension(cert: &Certificate, oid: ObjectIdentifier) -> Option<&Extension> {
    cert.tbs_certificate
        .extensions
        .as_ref()
        .and_then(|exts| exts.iter().find(|e| e.extn_id == oid))
}

/// `cert` names `root` as its issuer and carries a signature `root`'s key verifies.
fn check_issued_by(cert: &Certificate, root: &Certificate) -> Result<(), TsaError> {
    if cert.tbs_certificate.issuer != root.tbs_certificate.subject {
        return Err(TsaError::NotIssuedByRoot(format!(
            "issuer is {}, the root is {}",
            cert.tbs_certificate.issuer, root.tbs_certificate.subject
        )));
    }
    if cert.signature_algorithm != cert.tbs_certificate.signature {
        return Err(TsaError::Malformed(
            "certificate signature algorithms disagree".into(),
        ));
    }
    let tbs = cert
        .tbs_certificate
        .to_der()
        .map_err(malformed("TSA certificate"))?;
    let sig = cert
        .signature
        .as_bytes()
        .ok_or_else(|| TsaError::Malformed("certificate signature is not whole bytes".into()))?;
    match verify_signature(
        &root.tbs_certificate.subject_public_key_info,
        &cert.signature_algorithm,
        &tbs,
        sig,
    ) {
        Err(TsaError::SignatureInvalid) => Err(TsaError::NotIssuedByRoot(
            "its signature does not verify with the root's key".into(),
        )),
        other => other,
    }
}

/// Whether `t` is within the validity period of `cert` (both ends inclusive).
fn valid_at(cert: &Certificate, t: DateTime<Utc>) -> bool {
    let v = &cert.tbs_certificate.validity;
    let secs = |time: &x509_cert::time::Time| {
        i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
    };
    secs(&v.not_before) <= t.timestamp() && t.timestamp() <= secs(&v.not_after)
}

/// RFC 3161 §2.3: exactly one EKU extension, critical, holding only timeStamping; no CA; a key
/// usage, if present, allowing signatures; no critical extension we do not understand.
pub(super) fn check_timestamping_cert(cert: &Certificate) -> Result<(), String> {
    let exts: &[Extension] = cert.tbs_certificate.extensions.as_deref().unwrap_or(&[]);
    check_eku_time_stamping(exts)?;
    for ext in exts {
        let oid = ext.extn_id;
        if oid == ID_CE_BASIC_CONSTRAINTS {
            let bc = BasicConstraints::from_der(ext.extn_value.as_bytes())
                .map_err(|e| format!("malformed basic constraints: {e}"))?;
            if bc.ca {
                return Err("a CA certificate may not sign timestamps".into());
            }
        } else if oid == ID_CE_KEY_USAGE {
            let ku = KeyUsage::from_der(ext.extn_value.as_bytes())
                .map_err(|e| format!("malformed key usage: {e}"))?;
            if !ku.0.contains(KeyUsages::DigitalSignature)
                && !ku.0.contains(KeyUsages::NonRepudiation)
            {
                return Err("the key usage does not allow signatures".into());
            }
        } else if ext.critical && oid != ID_CE_EXT_KEY_USAGE {
            return Err(format!("unsupported critical extension {oid}"));
        }
    }
    Ok(())
}

/// Exactly one extended key usage extension, critical, holding only timeStamping.
fn check_eku_time_stamping(exts: &[Extension]) -> Result<(), String> {
    let ekus: Vec<_> = exts
        .iter()
        .filter(|e| e.extn_id == ID_CE_EXT_KEY_USAGE)
        .collect();
    let eku = match ekus.as_slice() {
        [eku] => eku,
        [] => return Err("no extended key usage extension".into()),
        _ => return Err("more than one extended key usage extension".into()),
    };
    if !eku.critical {
        return Err("the extended key usage extension is not critical".into());
    }
    let usages = ExtendedKeyUsage::from_der(eku.extn_value.as_bytes())
        .map_err(|e| format!("malformed extended key usage: {e}"))?;
    if usages.0 != [ID_KP_TIME_STAMPING] {
        return Err("the extended key usage must be timeStamping only".into());
    }
    Ok(())
}

/// Verifies an ECDSA (P-256 or P-384, SHA-256 or SHA-384) signature with `ring`.
pub(super) fn verify_signature(
    spki: &spki::SubjectPublicKeyInfoOwned,
    sig_alg: &AlgorithmIdentifierOwned,
    msg: &[u8],
    sig: &[u8],
) -> Result<(), TsaError> {
    use ring::signature as rs;
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    if spki.algorithm.oid != ID_EC_PUBLIC_KEY || sig_alg.parameters.is_some() {
        return Err(TsaError::UnsupportedAlgorithm(format!(
            "key {} with signature {}",
            spki.algorithm.oid, sig_alg.oid
        )));
    }
    let alg: &dyn rs::VerificationAlgorithm = match (curve, sig_alg.oid) {
        (Some(SECP_256_R_1), ECDSA_WITH_SHA_256) => &rs::ECDSA_P256_SHA256_ASN1,
        (Some(SECP_256_R_1), ECDSA_WITH_SHA_384) => &rs::ECDSA_P256_SHA384_ASN1,
        (Some(SECP_384_R_1), ECDSA_WITH_SHA_256) => &rs::ECDSA_P384_SHA256_ASN1,
        (Some(SECP_384_R_1), ECDSA_WITH_SHA_384) => &rs::ECDSA_P384_SHA384_ASN1,
        (curve, oid) => {
            return Err(TsaError::UnsupportedAlgorithm(format!(
                "signature {oid} on curve {curve:?}"
            )))
        }
    };
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| TsaError::Malformed("public key is not whole bytes".into()))?;
    UnparsedPublicKey::new(alg, key)
        .verify(msg, sig)
        .map_err(|_| TsaError::SignatureInvalid)
}
