//! WinAnsi (Windows-1252) text for the standard Type 1 fonts, and Helvetica's widths to wrap
//! lines. The same as `pli-capture`'s (kept apart: printing a letter needs no OCR crate).

/// Encodes text to WinAnsi bytes; a character WinAnsi lacks becomes `?`.
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{FB01}' => out.extend_from_slice(b"fi"),
            '\u{FB02}' => out.extend_from_slice(b"fl"),
            ' '..='~' => out.push(c as u8),
            '\u{A0}'..='\u{FF}' => out.push(c as u32 as u8),
            _ => out.push(SPECIALS.iter().find(|(ch, _)| *ch == c).map(|(_, b)| *b).unwrap_or(b'?')),
        }
    }
    out
}

/// WinAnsi's 0x80–0x9F range.
const SPECIALS: &[(char, u8)] = &[
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8A),
    ('‹', 0x8B),
    ('Œ', 0x8C),
    ('Ž', 0x8E),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9A),
    ('›', 0x9B),
    ('œ', 0x9C),
    ('ž', 0x9E),
    ('Ÿ', 0x9F),
];

/// Helvetica advance widths (thousandths of an em) of ASCII 32–126, from its AFM.
const HELVETICA_ASCII: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space–/
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0–?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @–O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P–_
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `–o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p–~
];

/// Width of WinAnsi-encoded text in Helvetica, in ems. Accented letters take their base
/// letter's width; other high codes an average width.
pub fn helvetica_width(encoded: &[u8]) -> f32 {
    encoded
        .iter()
        .map(|&b| match b {
            32..=126 => HELVETICA_ASCII[(b - 32) as usize],
            0xC0..=0xC5 => 667,
            0xC7 => 722,
            0xC8..=0xCB => 667,
            0xCC..=0xCF => 278,
            0xD2..=0xD6 | 0xD9..=0xDC => 778,
            0xE0..=0xE5 | 0xE8..=0xEB | 0xF2..=0xF6 | 0xF9..=0xFC => 556,
            0xE7 => 500,
            0xEC..=0xEF => 278,
            0x8C => 1000,
            0x9C => 944,
            _ => 556,
        } as f32)
        .sum::<f32>()
        / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_encodes_to_winansi() {
        assert_eq!(encode("Été"), vec![0xC9, b't', 0xE9]);
        assert_eq!(encode("œuvre « n° 3 » 12 €"), b"\x9cuvre \xab n\xb0 3 \xbb 12 \x80".to_vec());
        assert_eq!(encode("ﬁn 中"), b"fin ?".to_vec());
    }

    #[test]
    fn widths_follow_helvetica() {
        assert_eq!(helvetica_width(b"A"), 0.667);
        assert!((helvetica_width(&encode("été")) - helvetica_width(b"ete")).abs() < 1e-6);
    }
}
