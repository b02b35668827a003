//! `TSTInfo` (RFC 3161 §2.4.2), the signed content of a token, and its millisecond `genTime`.
//!
//! `x509-tsp`'s `TstInfo` is not used because `der` 0.7's `GeneralizedTime` cannot carry the
//! fractional seconds of our millisecond `genTime`: [`TstInfo`] is the same structure with its
//! own time type, [`GenTime`].

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use der::asn1::Int;
use der::oid::ObjectIdentifier;
use der::{
    DecodeOwned, DecodeValue, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag, Tagged,
    Writer,
};
use x509_cert::ext::pkix::name::GeneralName;
use x509_tsp::{Accuracy, MessageImprint, TspVersion};

/// `genTime` as DER `GeneralizedTime` with millisecond precision: `YYYYMMDDHHMMSS[.fff]Z`,
/// trailing zeros of the fraction dropped (X.690 11.7), as OpenSSL writes and reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct GenTime(pub(super) DateTime<Utc>);

impl GenTime {
    /// Longest form accepted when decoding: 14 digits, `.`, 9 fraction digits, `Z`.
    const LEN_MAX: usize = 25;

    /// `YYYYMMDDHHMMSS[.fff]Z` (RFC 3161 §2.4.2: no trailing zeros in the fraction), written
    /// digit by digit into a fixed buffer: the encoder asks for it several times per token (for
    /// each enclosing length and for the bytes), so no formatting machinery and no allocation.
    pub(super) fn ascii(&self) -> der::Result<Ascii> {
        let t = self.0;
        let year = u32::try_from(t.year())
            .ok()
            .filter(|y| *y <= 9999)
            .ok_or_else(|| Tag::GeneralizedTime.value_error())?;
        let mut out = Ascii {
            bytes: [0; 19],
            len: 0,
        };
        out.digits(year, 4);
        for part in [t.month(), t.day(), t.hour(), t.minute(), t.second()] {
            out.digits(part, 2);
        }
        // Leap seconds show as nanosecond >= 1e9 in chrono: clamp into the last millisecond.
        let mut ms = (t.nanosecond() / 1_000_000).min(999);
        if ms != 0 {
            let mut width = 3;
            while ms.is_multiple_of(10) {
                ms /= 10;
                width -= 1;
            }
            out.push(b'.');
            out.digits(ms, width);
        }
        out.push(b'Z');
        Ok(out)
    }

    pub(super) fn parse(bytes: &[u8]) -> Option<DateTime<Utc>> {
        let (digits, rest) = bytes.split_at_checked(14)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let num = |from: usize, to: usize| {
            digits
                .get(from..to)
                .map(|ds| ds.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
        };
        let nanos = match rest {
            [b'Z'] => 0,
            [b'.', frac @ .., b'Z']
                if (1..=9).contains(&frac.len()) && frac.iter().all(u8::is_ascii_digit) =>
            {
                let n = frac.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
                // frac.len() is in 1..=9, so the exponent is in 0..=8.
                n * 10u32.pow(9 - frac.len() as u32)
            }
            _ => return None,
        };
        let year = i32::try_from(num(0, 4)?).ok()?;
        NaiveDate::from_ymd_opt(year, num(4, 6)?, num(6, 8)?)?
            .and_hms_nano_opt(num(8, 10)?, num(10, 12)?, num(12, 14)?, nanos)
            .map(|t| t.and_utc())
    }
}

/// A generalized time's characters: at most 14 digits, `.`, 3 digits and `Z`.
pub(super) struct Ascii {
    bytes: [u8; 19],
    len: usize,
}

impl Ascii {
    fn push(&mut self, b: u8) {
        self.bytes[self.len] = b;
        self.len += 1;
    }

    /// `n` in exactly `width` decimal digits (the caller keeps `n` below `10^width`).
    fn digits(&mut self, n: u32, width: u32) {
        for d in crate::model::time::decimal_digits(n, width) {
            self.push(d);
        }
    }

    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl FixedTag for GenTime {
    const TAG: Tag = Tag::GeneralizedTime;
}

impl EncodeValue for GenTime {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.ascii()?.as_bytes().len())
    }

    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(self.ascii()?.as_bytes())
    }
}

impl<'a> DecodeValue<'a> for GenTime {
    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        if usize::try_from(header.length)? > Self::LEN_MAX {
            return Err(Tag::GeneralizedTime.length_error());
        }
        let bytes = reader.read_slice(header.length)?;
        Self::parse(bytes)
            .map(GenTime)
            .ok_or_else(|| Tag::GeneralizedTime.value_error())
    }
}

/// `TSTInfo` (RFC 3161 §2.4.2), with a millisecond `genTime`. `N` is the type of the TSA's
/// name: a parsed `GeneralName` when a token is read, the signer's pre-encoded one (an `Any`)
/// when one is written.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(super) struct TstInfo<N = GeneralName>
where
    N: DecodeOwned + EncodeValue + Tagged,
{
    pub(super) version: TspVersion,
    pub(super) policy: ObjectIdentifier,
    pub(super) message_imprint: MessageImprint,
    pub(super) serial_number: Int,
    pub(super) gen_time: GenTime,
    #[asn1(optional = "true")]
    pub(super) accuracy: Option<Accuracy>,
    #[asn1(default = "Default::default")]
    pub(super) ordering: bool,
    #[asn1(optional = "true")]
    pub(super) nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub(super) tsa: Option<N>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub(super) extensions: Option<x509_cert::ext::Extensions>,
}

/// The `Accuracy` of a configured number of milliseconds; `None` for 0 (the field is omitted).
pub(super) fn accuracy(accuracy_ms: u32) -> Option<Accuracy> {
    if accuracy_ms == 0 {
        return None;
    }
    let seconds = u64::from(accuracy_ms / 1000);
    // accuracy_ms % 1000 < 1000 fits an i16.
    let millis = (accuracy_ms % 1000) as i16;
    Some(Accuracy {
        seconds: (seconds != 0).then_some(seconds),
        millis: (millis != 0).then_some(millis),
        micros: None,
    })
}

/// An `Accuracy` in milliseconds, microseconds rounded up.
pub(super) fn accuracy_ms(a: &Accuracy) -> u64 {
    let micros_ms = a
        .micros
        .map_or(0, |us| u64::from(us.unsigned_abs()).div_ceil(1000));
    a.seconds
        .unwrap_or(0)
        .saturating_mul(1000)
        .saturating_add(u64::from(a.millis.map_or(0, i16::unsigned_abs)))
        .saturating_add(micros_ms)
}
