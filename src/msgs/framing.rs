//! What the first bytes of an answer claim about its own length, read as each length-prefixed
//! framing the sweep speaks (TPKT for RDP, the DICOM PDU, the MySQL packet, direct-TCP SMB, the
//! TLS record and handshake). Evidence for an answer no identifier accepted; never panics.

/// A length field, read as one framing: "the TPKT header claims 64 KiB".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LengthClaim {
    /// The framing the header was read as, for people: "TPKT (RDP)", "DICOM PDU", ...
    pub framing: &'static str,
    /// The whole message size the header claims, header included.
    pub claimed: u64,
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b))
}

/// The length the first bytes claim, when they look like the start of a message of a
/// length-prefixed framing we speak and claim more than `shown` bytes (what came, or the most we
/// read). `None` for anything else.
pub fn length_claim(first: &[u8], shown: usize) -> Option<LengthClaim> {
    let claim = |framing, claimed: u64| {
        (claimed > u64::try_from(shown).unwrap_or(u64::MAX))
            .then_some(LengthClaim { framing, claimed })
    };
    match first {
        // TPKT (RFC 1006 §6): version 3, reserved 0, 16-bit length (RDP's X.224 layer).
        [3, 0, a, b, ..] => claim("TPKT (RDP)", be(&[*a, *b])),
        // TLS record (RFC 8446 §5.1) carrying a handshake whose 24-bit length is larger still.
        [22, 3, 0..=4, r1, r2, _kind, h1, h2, h3, ..] => {
            let record = be(&[*r1, *r2]) + 5;
            let handshake = be(&[*h1, *h2, *h3]) + 9;
            claim("TLS", record.max(handshake))
        }
        // DICOM PDU (PS3.8 §9.3): type 1..=7, reserved 0, 32-bit length.
        [1..=7, 0, a, b, c, d, ..] => claim("DICOM PDU", be(&[*a, *b, *c, *d]) + 6),
        // Direct-TCP SMB (MS-SMB2 §2.1): zero, 24-bit length, then an SMB1 or SMB2 header.
        [0, a, b, c, 0xFE | 0xFF, b'S', b'M', b'B', ..] => claim("SMB", be(&[*a, *b, *c]) + 4),
        // MySQL packet: 24-bit little-endian length, sequence 0, protocol 10 or an ERR packet.
        [a, b, c, 0, 10 | 0xFF, ..] => claim("MySQL", be(&[*c, *b, *a]) + 4),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::size_words;

    #[test]
    fn the_hostile_headers_of_issue_13_are_read_as_what_they_claim() {
        let tpkt = [3, 0, 0xff, 0xff, 0x0e, 0xd0, 0, 0];
        assert_eq!(
            length_claim(&tpkt, 19),
            Some(LengthClaim {
                framing: "TPKT (RDP)",
                claimed: 65535
            })
        );
        let dicom = [2, 0, 0xff, 0xff, 0xff, 0xff, 0, 1];
        let c = length_claim(&dicom, 64).unwrap();
        assert_eq!(
            (c.framing, size_words(c.claimed)),
            ("DICOM PDU", "4 GiB".to_owned())
        );
        let mysql = [0xff, 0xff, 0xff, 0, 10, b'8'];
        let c = length_claim(&mysql, 64).unwrap();
        assert_eq!(
            (c.framing, size_words(c.claimed)),
            ("MySQL", "16 MiB".to_owned())
        );
        let smb = [0, 0xff, 0xff, 0xff, 0xfe, b'S', b'M', b'B'];
        assert_eq!(length_claim(&smb, 64).map(|c| c.framing), Some("SMB"));
        let tls = [22, 3, 3, 0x40, 0, 2, 0xff, 0xff, 0xff];
        let c = length_claim(&tls, 64).unwrap();
        assert_eq!(
            (c.framing, size_words(c.claimed)),
            ("TLS", "16 MiB".to_owned())
        );
    }

    #[test]
    fn a_claim_no_larger_than_what_came_and_other_bytes_are_not_evidence() {
        assert_eq!(length_claim(&[3, 0, 0, 19, 0x0e], 19), None);
        assert_eq!(length_claim(b"SSH-2.0-x", 64), None);
        assert_eq!(length_claim(b"", 0), None);
        assert_eq!(length_claim(&[3, 0], 2), None);
        assert_eq!(size_words(65535), "64 KiB");
        assert_eq!(size_words(300), "300 bytes");
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_give_a_claim_larger_than_shown_or_none(
            first in proptest::collection::vec(proptest::num::u8::ANY, 0..16),
            shown in 0usize..100_000,
        ) {
            if let Some(c) = length_claim(&first, shown) {
                proptest::prop_assert!(c.claimed > shown as u64);
                proptest::prop_assert!(!size_words(c.claimed).is_empty());
            }
        }
    }
}
