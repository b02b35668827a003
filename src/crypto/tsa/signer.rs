//! [`TsaSigner`]: the TSA's P-256 key (signing with `ring`), its certificate, and the parts of
//! every token that depend only on that certificate, encoded once.

use const_oid::db::rfc5911::ID_CONTENT_TYPE;
use const_oid::db::rfc5912::{ECDSA_WITH_SHA_256, ID_EC_PUBLIC_KEY};
use der::{Any, Decode};
use p256::elliptic_curve::sec1::{EncodedPoint, ToEncodedPoint};
use p256::elliptic_curve::zeroize::Zeroizing;
use p256::NistP256;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::Certificate;

use cms::cert::IssuerAndSerialNumber;

use super::attrs::attribute;
use super::cert::check_timestamping_cert;
use super::error::encoding;
use super::ess::signing_certificate_v2;
use super::{TsaError, ID_CT_TST_INFO};

/// The TSA's signing key and certificate, with the constant parts of every token pre-encoded.
/// `Send + Sync`: one instance serves the whole signing pool.
pub struct TsaSigner {
    key_pair: EcdsaKeyPair,
    rng: SystemRandom,
    pub(super) cert: Certificate,
    cert_der: Vec<u8>,
    pub(super) parts: TokenParts,
}

/// The DER values that are the same in every token, encoded once in [`TsaSigner::from_pem`]
/// with the typed structures, and borrowed by each token (`token.rs`).
///
/// Re-encoding the parsed certificate and its names through `der`'s generic structures for each
/// token cost more than half a signature; an `Any` is written as it stands.
pub(super) struct TokenParts {
    /// The TSA's name for `TSTInfo.tsa`: a `GeneralName` directoryName of the subject.
    pub(super) tsa_name: Any,
    /// The `SignerIdentifier`: the certificate's `IssuerAndSerialNumber`.
    pub(super) sid: Any,
    /// The content-type signed attribute (id-ct-TSTInfo).
    pub(super) content_type_attr: Any,
    /// The ESS signing-certificate-v2 signed attribute naming the certificate.
    pub(super) ess_attr: Any,
    /// The TSA certificate as it was loaded, sent when the query sets certReq.
    pub(super) cert: Any,
    /// `signatureAlgorithm`: ecdsa-with-SHA256, parameters absent (RFC 5758).
    pub(super) signature_alg: AlgorithmIdentifierOwned,
}

impl TokenParts {
    fn new(cert: &Certificate, cert_der: &[u8]) -> der::Result<Self> {
        let tbs = &cert.tbs_certificate;
        let sid = IssuerAndSerialNumber {
            issuer: tbs.issuer.clone(),
            serial_number: tbs.serial_number.clone(),
        };
        Ok(TokenParts {
            tsa_name: Any::encode_from(&GeneralName::DirectoryName(tbs.subject.clone()))?,
            sid: Any::encode_from(&sid)?,
            content_type_attr: Any::encode_from(&attribute(ID_CONTENT_TYPE, &ID_CT_TST_INFO)?)?,
            ess_attr: Any::encode_from(&signing_certificate_v2(cert, cert_der)?)?,
            cert: Any::from_der(cert_der)?,
            signature_alg: AlgorithmIdentifierOwned {
                oid: ECDSA_WITH_SHA_256,
                parameters: None,
            },
        })
    }
}

impl std::fmt::Debug for TsaSigner {
    /// Names the certificate, never the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TsaSigner")
            .field("subject", &self.cert.tbs_certificate.subject.to_string())
            .finish_non_exhaustive()
    }
}

impl TsaSigner {
    /// Loads the TSA key (PKCS#8 `PRIVATE KEY` or SEC1 `EC PRIVATE KEY` PEM, P-256) and its
    /// certificate (PEM), refusing a key that does not match the certificate and a certificate
    /// that is not fit for timestamping (RFC 3161 §2.3: critical EKU, timeStamping only).
    pub fn from_pem(key_pem: &str, cert_pem: &str) -> Result<Self, TsaError> {
        let rng = SystemRandom::new();
        let (key_pair, point) = key_pair_from_pem(key_pem, &rng)?;
        let cert_der = crate::crypto::pki::cert_der_from_pem(cert_pem)
            .map_err(|e| TsaError::InvalidCertificate(e.to_string()))?;
        let cert = Certificate::from_der(&cert_der)
            .map_err(|e| TsaError::InvalidCertificate(e.to_string()))?;
        let spki = &cert.tbs_certificate.subject_public_key_info;
        if spki.algorithm.oid != ID_EC_PUBLIC_KEY
            || spki.subject_public_key.as_bytes() != Some(point.as_bytes())
        {
            return Err(TsaError::KeyCertMismatch);
        }
        check_timestamping_cert(&cert).map_err(TsaError::InvalidCertificate)?;
        let parts = TokenParts::new(&cert, &cert_der).map_err(encoding)?;
        Ok(TsaSigner {
            key_pair,
            rng,
            cert,
            cert_der,
            parts,
        })
    }

    /// The TSA certificate, DER (for `GET /v1/timestamp/certchain` and `notar verify`).
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// An ECDSA P-256 SHA-256 signature over `msg`, DER.
    pub(super) fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, TsaError> {
        self.key_pair
            .sign(&self.rng, msg)
            .map(|sig| sig.as_ref().to_vec())
            .map_err(|_| TsaError::Signing)
    }
}

/// The `ring` key pair of a P-256 key PEM, and its public point (uncompressed).
///
/// The key is parsed by `p256` (which reads every common form) and handed to `ring` as raw
/// scalar and point, since `ring` reads only PKCS#8 that embeds the public key.
fn key_pair_from_pem(
    key_pem: &str,
    rng: &SystemRandom,
) -> Result<(EcdsaKeyPair, EncodedPoint<NistP256>), TsaError> {
    use p256::pkcs8::DecodePrivateKey;
    let key_pem = key_pem.trim();
    let secret = if key_pem.starts_with("-----BEGIN EC PRIVATE KEY-----") {
        p256::SecretKey::from_sec1_pem(key_pem)
            .map_err(|_| TsaError::InvalidKey("not a P-256 SEC1 key".into()))?
    } else {
        p256::SecretKey::from_pkcs8_pem(key_pem)
            .map_err(|_| TsaError::InvalidKey("not a P-256 PKCS#8 key".into()))?
    };
    let scalar = Zeroizing::new(secret.to_bytes());
    let point = secret.public_key().to_encoded_point(false);
    let key_pair = EcdsaKeyPair::from_private_key_and_public_key(
        &ECDSA_P256_SHA256_ASN1_SIGNING,
        &scalar[..],
        point.as_bytes(),
        rng,
    )
    .map_err(|e| TsaError::InvalidKey(format!("rejected by ring: {e}")))?;
    Ok((key_pair, point))
}
