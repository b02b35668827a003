//! The ESS signing-certificate attributes, which bind a token to the certificate that signed it:
//! `SigningCertificateV2` (RFC 5035 §3, SHA-256), written on every token because
//! `openssl ts -verify` refuses a token without it, and its SHA-1 predecessor
//! `SigningCertificate` (RFC 2634 §5.4), only read. `cms` 0.2 has no ESS types, so these are
//! `der` derive structures.

use const_oid::db::rfc5911::{ID_AA_SIGNING_CERTIFICATE, ID_AA_SIGNING_CERTIFICATE_V_2};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

use super::attrs::{attr_value, attribute};
use super::error::malformed;
use super::{HashAlg, TsaError};

/// `SigningCertificateV2` (RFC 5035 §3).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(super) struct SigningCertificateV2 {
    pub(super) certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    pub(super) policies: Option<Any>,
}

/// `ESSCertIDv2`. The hash algorithm is `DEFAULT {id-sha256}`: `None` means SHA-256, and is
/// what we write (DER omits a default value).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(super) struct EssCertIdV2 {
    #[asn1(optional = "true")]
    pub(super) hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub(super) cert_hash: OctetString,
    #[asn1(optional = "true")]
    pub(super) issuer_serial: Option<IssuerSerial>,
}

/// `SigningCertificate` (RFC 2634 §5.4), the SHA-1 predecessor, only read.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct SigningCertificateV1 {
    certs: Vec<EssCertIdV1>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

/// `ESSCertID`: a SHA-1 certificate hash.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct EssCertIdV1 {
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<IssuerSerial>,
}

/// `IssuerSerial`: the issuer's name (as GeneralNames) and the certificate's serial.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(super) struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

impl IssuerSerial {
    fn of(cert: &Certificate) -> Self {
        IssuerSerial {
            issuer: vec![GeneralName::DirectoryName(
                cert.tbs_certificate.issuer.clone(),
            )],
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }
    }
}

/// The signing-certificate-v2 attribute naming `cert` (whose DER is `cert_der`): its SHA-256
/// hash (the default algorithm, so not written) and its issuer and serial.
pub(super) fn signing_certificate_v2(
    cert: &Certificate,
    cert_der: &[u8],
) -> der::Result<Attribute> {
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(HashAlg::Sha256.digest(cert_der))?,
            issuer_serial: Some(IssuerSerial::of(cert)),
        }],
        policies: None,
    };
    attribute(ID_AA_SIGNING_CERTIFICATE_V_2, &ess)
}

/// What either ESS attribute says of the signer's certificate: its first certificate id.
struct CertId {
    cert_hash: OctetString,
    /// The algorithm of `cert_hash`; `None` for the SHA-1 of a v1 attribute.
    hash_alg: Option<HashAlg>,
    issuer_serial: Option<IssuerSerial>,
}

impl CertId {
    /// The first id of the v2 attribute, or else of the v1 one; [`TsaError::EssCertIdMissing`]
    /// if there is neither or it lists no certificate.
    fn of_attrs(attrs: &SetOfVec<Attribute>) -> Result<Self, TsaError> {
        if let Some(v2) = attr_value(attrs, ID_AA_SIGNING_CERTIFICATE_V_2)? {
            let sc: SigningCertificateV2 = v2.decode_as().map_err(malformed("ESSCertIDv2"))?;
            let id = first(sc.certs)?;
            let hash_alg = match &id.hash_algorithm {
                None => HashAlg::Sha256,
                Some(alg_id) => HashAlg::from_alg_id(alg_id).ok_or_else(|| {
                    TsaError::UnsupportedAlgorithm(format!("ESS hash {}", alg_id.oid))
                })?,
            };
            return Ok(CertId {
                cert_hash: id.cert_hash,
                hash_alg: Some(hash_alg),
                issuer_serial: id.issuer_serial,
            });
        }
        let v1 = attr_value(attrs, ID_AA_SIGNING_CERTIFICATE)?.ok_or(TsaError::EssCertIdMissing)?;
        let sc: SigningCertificateV1 = v1.decode_as().map_err(malformed("ESSCertID"))?;
        let id = first(sc.certs)?;
        Ok(CertId {
            cert_hash: id.cert_hash,
            hash_alg: None,
            issuer_serial: id.issuer_serial,
        })
    }

    /// The hash of `cert_der` under this id's algorithm.
    fn hash_of(&self, cert_der: &[u8]) -> Vec<u8> {
        match self.hash_alg {
            Some(alg) => alg.digest(cert_der),
            None => ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, cert_der)
                .as_ref()
                .to_vec(),
        }
    }
}

/// The first certificate id of an ESS attribute: the signer's (RFC 5035 §5.4).
fn first<T>(certs: Vec<T>) -> Result<T, TsaError> {
    certs.into_iter().next().ok_or(TsaError::EssCertIdMissing)
}

/// The ESS attribute's first certificate id must be the signer's certificate (RFC 5035 §5.4).
pub(super) fn check_ess(attrs: &SetOfVec<Attribute>, cert: &Certificate) -> Result<(), TsaError> {
    let cert_der = cert.to_der().map_err(malformed("TSA certificate"))?;
    let id = CertId::of_attrs(attrs)?;
    if id.cert_hash.as_bytes() != id.hash_of(&cert_der).as_slice() {
        return Err(TsaError::EssCertIdMismatch);
    }
    if id
        .issuer_serial
        .is_some_and(|is| is != IssuerSerial::of(cert))
    {
        return Err(TsaError::EssCertIdMismatch);
    }
    Ok(())
}
