//! VISCII (RFC 1456), the 8-bit Vietnamese charset older mail programs still send, which
//! `mail-parser` does not decode: the table below was produced from glibc's iconv VISCII
//! converter. Six C0 positions carry capital letters; 0x80–0xFF are letters (those equal
//! to Latin-1 keep their code points).

/// Whether a MIME charset name means VISCII.
pub fn is_viscii(charset: &str) -> bool {
    matches!(
        charset.trim().to_ascii_lowercase().as_str(),
        "viscii" | "x-viscii" | "csviscii" | "viscii1.1-1"
    )
}

/// The letters at 0x80–0xFF.
const HIGH: [char; 128] = [
    '\u{1ea0}', '\u{1eae}', '\u{1eb0}', '\u{1eb6}', '\u{1ea4}', '\u{1ea6}', '\u{1ea8}', '\u{1eac}',
    '\u{1ebc}', '\u{1eb8}', '\u{1ebe}', '\u{1ec0}', '\u{1ec2}', '\u{1ec4}', '\u{1ec6}', '\u{1ed0}',
    '\u{1ed2}', '\u{1ed4}', '\u{1ed6}', '\u{1ed8}', '\u{1ee2}', '\u{1eda}', '\u{1edc}', '\u{1ede}',
    '\u{1eca}', '\u{1ece}', '\u{1ecc}', '\u{1ec8}', '\u{1ee6}', '\u{0168}', '\u{1ee4}', '\u{1ef2}',
    '\u{00d5}', '\u{1eaf}', '\u{1eb1}', '\u{1eb7}', '\u{1ea5}', '\u{1ea7}', '\u{1ea9}', '\u{1ead}',
    '\u{1ebd}', '\u{1eb9}', '\u{1ebf}', '\u{1ec1}', '\u{1ec3}', '\u{1ec5}', '\u{1ec7}', '\u{1ed1}',
    '\u{1ed3}', '\u{1ed5}', '\u{1ed7}', '\u{1ee0}', '\u{01a0}', '\u{1ed9}', '\u{1edd}', '\u{1edf}',
    '\u{1ecb}', '\u{1ef0}', '\u{1ee8}', '\u{1eea}', '\u{1eec}', '\u{01a1}', '\u{1edb}', '\u{01af}',
    '\u{00c0}', '\u{00c1}', '\u{00c2}', '\u{00c3}', '\u{1ea2}', '\u{0102}', '\u{1eb3}', '\u{1eb5}',
    '\u{00c8}', '\u{00c9}', '\u{00ca}', '\u{1eba}', '\u{00cc}', '\u{00cd}', '\u{0128}', '\u{1ef3}',
    '\u{0110}', '\u{1ee9}', '\u{00d2}', '\u{00d3}', '\u{00d4}', '\u{1ea1}', '\u{1ef7}', '\u{1eeb}',
    '\u{1eed}', '\u{00d9}', '\u{00da}', '\u{1ef9}', '\u{1ef5}', '\u{00dd}', '\u{1ee1}', '\u{01b0}',
    '\u{00e0}', '\u{00e1}', '\u{00e2}', '\u{00e3}', '\u{1ea3}', '\u{0103}', '\u{1eef}', '\u{1eab}',
    '\u{00e8}', '\u{00e9}', '\u{00ea}', '\u{1ebb}', '\u{00ec}', '\u{00ed}', '\u{0129}', '\u{1ec9}',
    '\u{0111}', '\u{1ef1}', '\u{00f2}', '\u{00f3}', '\u{00f4}', '\u{00f5}', '\u{1ecf}', '\u{1ecd}',
    '\u{1ee5}', '\u{00f9}', '\u{00fa}', '\u{0169}', '\u{1ee7}', '\u{00fd}', '\u{1ee3}', '\u{1eee}',
];

/// Decode VISCII bytes (already free of any transfer encoding) to text.
pub fn decode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x02 => '\u{1eb2}',
            0x05 => '\u{1eb4}',
            0x06 => '\u{1eaa}',
            0x14 => '\u{1ef6}',
            0x19 => '\u{1ef8}',
            0x1e => '\u{1ef4}',
            0x80..=0xff => HIGH[usize::from(b - 0x80)],
            b => char::from(b),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_letters_decode() {
        // "Việt Nam" in VISCII: ệ is 0xAE (iconv -t VISCII).
        assert_eq!(decode(b"Vi\xaet Nam"), "Việt Nam");
        assert_eq!(decode(b"\x02"), "Ẳ");
        assert!(is_viscii("VISCII") && is_viscii("x-viscii") && !is_viscii("utf-8"));
    }
}
