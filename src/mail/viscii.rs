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

/// A header's text with its RFC 2047 encoded words decoded, when at least one of them is in
/// VISCII (`=?VISCII?Q?…?=`, `=?viscii*vi?B?…?=`): `mail-parser` does not know VISCII and
/// reads such a word's bytes as UTF-8, losing every Vietnamese letter, so the raw header is
/// decoded here. Folding is undone; white space between two encoded words is dropped
/// (RFC 2047 §6.2); words in UTF-8 or US-ASCII beside them are decoded too. `None` when no
/// word is in VISCII, or one is in another charset or malformed (then the library's reading
/// stands).
pub fn decode_header_words(raw: &str) -> Option<String> {
    let text = raw
        .replace("\r\n", "\n")
        .replace("\n ", " ")
        .replace("\n\t", " ");
    let text = text.trim();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut any_viscii = false;
    // White space seen after an encoded word, kept only if text (not a word) follows.
    let mut gap = String::new();
    let mut after_word = false;
    while !rest.is_empty() {
        if let Some(word) = encoded_word(rest) {
            // A word this decoder cannot read: the library's reading stands.
            let (decoded, viscii, len) = word?;
            if !after_word {
                out.push_str(&gap);
            }
            gap.clear();
            out.push_str(&decoded);
            any_viscii |= viscii;
            after_word = true;
            rest = &rest[len..];
            continue;
        }
        let c = rest.chars().next()?;
        if c == ' ' || c == '\t' {
            gap.push(c);
        } else {
            out.push_str(&gap);
            gap.clear();
            out.push(c);
            after_word = false;
        }
        rest = &rest[c.len_utf8()..];
    }
    out.push_str(&gap);
    any_viscii.then_some(out)
}

/// The encoded word `rest` starts with, if it starts with one (`=?charset?X?text?=`, no
/// white space inside): `Some(Some((text, whether it was VISCII, its length in bytes)))`,
/// or `Some(None)` when this decoder cannot read it (another charset, another encoding,
/// broken `=XX` or base64).
fn encoded_word(rest: &str) -> Option<Option<(String, bool, usize)>> {
    let body = rest.strip_prefix("=?")?;
    let (charset, body) = body.split_once('?')?;
    let (encoding, body) = body.split_once('?')?;
    let end = body.find("?=")?;
    let payload = &body[..end];
    let blank = |t: &str| t.is_empty() || t.contains([' ', '\t']);
    if blank(charset) || blank(encoding) || payload.contains([' ', '\t']) {
        return None;
    }
    let len = 2 + charset.len() + 1 + encoding.len() + 1 + end + 2;
    // `charset*language` (RFC 2231).
    let charset = charset.split('*').next().unwrap_or(charset);
    let bytes = match encoding {
        "Q" | "q" => q_decode(payload),
        "B" | "b" => mail_parser::decoders::base64::base64_decode(payload.as_bytes()),
        _ => None,
    };
    let Some(bytes) = bytes else {
        return Some(None);
    };
    Some(if is_viscii(charset) {
        Some((decode(&bytes), true, len))
    } else if matches!(
        charset.to_ascii_lowercase().as_str(),
        "utf-8" | "utf8" | "us-ascii"
    ) {
        Some((String::from_utf8_lossy(&bytes).into_owned(), false, len))
    } else {
        None
    })
}

/// RFC 2047's "Q" encoding: `_` is a space, `=XX` a byte.
fn q_decode(payload: &str) -> Option<Vec<u8>> {
    let b = payload.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viscii_encoded_words_decode() {
        // "Không in được" (iconv -t VISCII), Q; " chứng từ", B; folded in between.
        let raw = "=?VISCII?Q?Kh=F4ng_in_=F0=DF=FEc?=\r\n =?viscii?B?IGNo0W5nIHTX?=";
        assert_eq!(
            decode_header_words(raw).as_deref(),
            Some("Không in được chứng từ")
        );
        // Text around words keeps its spaces; a UTF-8 word beside is decoded too.
        assert_eq!(
            decode_header_words("Re: =?x-viscii*vi?Q?L=B2i?= =?utf-8?Q?_=C4=91?= ok").as_deref(),
            Some("Re: Lỗi đ ok")
        );
        // No VISCII word, another charset beside, or a broken word: the library decides.
        assert_eq!(decode_header_words("=?utf-8?Q?abc?="), None);
        assert_eq!(decode_header_words("Plain subject"), None);
        assert_eq!(decode_header_words("=?VISCII?Q?a?= =?koi8-r?Q?b?="), None);
        assert_eq!(decode_header_words("=?VISCII?Q?=ZZ?="), None);
    }

    #[test]
    fn vietnamese_letters_decode() {
        // "Việt Nam" in VISCII: ệ is 0xAE (iconv -t VISCII).
        assert_eq!(decode(b"Vi\xaet Nam"), "Việt Nam");
        assert_eq!(decode(b"\x02"), "Ẳ");
        assert!(is_viscii("VISCII") && is_viscii("x-viscii") && !is_viscii("utf-8"));
    }
}
