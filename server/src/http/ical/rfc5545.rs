//! Just enough of RFC 5545 to publish a calendar: content lines with TEXT escaping (§3.3.11),
//! UTC DATE-TIME values (§3.3.5, form 2) and folding at 75 octets (§3.1) on UTF-8 character
//! boundaries, each line ended by CRLF. Small enough that a crate would be the larger part.

use chrono::{DateTime, Utc};
use std::fmt::Write as _;

/// The longest line, in octets, before it is folded (CRLF not counted).
const LINE_OCTETS: usize = 75;

/// Escapes a TEXT value: backslash, semicolon, comma and newline; other control characters,
/// which TEXT may not hold, are dropped (a CR of a CRLF with them).
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A UTC DATE-TIME value: `YYYYMMDDTHHMMSSZ`.
pub fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Appends one content line, folded: no line longer than 75 octets, continuation lines
/// starting with a space, never splitting a UTF-8 character.
pub fn push_folded(out: &mut String, line: &str) {
    let mut used = 0;
    for c in line.chars() {
        if used + c.len_utf8() > LINE_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// Builds an iCalendar object line by line.
#[derive(Debug, Default)]
pub struct Writer {
    out: String,
}

impl Writer {
    /// A property whose value is already in its iCalendar form (not TEXT).
    pub fn raw(&mut self, name: &str, value: &str) -> &mut Self {
        let mut line = String::with_capacity(name.len() + value.len() + 1);
        let _ = write!(line, "{name}:{value}");
        push_folded(&mut self.out, &line);
        self
    }

    /// A TEXT property, escaped.
    pub fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.raw(name, &escape_text(value))
    }

    /// A DATE-TIME property in UTC.
    pub fn utc(&mut self, name: &str, t: DateTime<Utc>) -> &mut Self {
        self.raw(name, &utc(t))
    }

    pub fn begin(&mut self, component: &str) -> &mut Self {
        self.raw("BEGIN", component)
    }

    pub fn end(&mut self, component: &str) -> &mut Self {
        self.raw("END", component)
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf\u{7}g\th"),
            "a\\\\b\\;c\\,d\\ne\\nfg\th"
        );
        assert_eq!(escape_text("Zürich: on call"), "Zürich: on call");
    }

    #[test]
    fn utc_times_have_the_z_form() {
        let t = DateTime::parse_from_rfc3339("2027-03-28T01:00:00+00:00")
            .expect("instant")
            .with_timezone(&Utc);
        assert_eq!(utc(t), "20270328T010000Z");
    }

    #[test]
    fn short_lines_are_not_folded() {
        let mut out = String::new();
        push_folded(&mut out, "VERSION:2.0");
        assert_eq!(out, "VERSION:2.0\r\n");
        let exact = format!("X:{}", "a".repeat(73));
        let mut out = String::new();
        push_folded(&mut out, &exact);
        assert_eq!(out, format!("{exact}\r\n"), "75 octets fit on one line");
    }

    #[test]
    fn long_lines_fold_at_75_octets_on_character_boundaries() {
        // Two-, three- and four-octet characters, so that a fold falls inside one of them
        // unless the writer steps back to its boundary.
        let name = "Zürich Zahlungsverkehr – Bereitschaft für Überweisungen, Lastschriften \
                    und Kartenzahlungen 🚨 ☎ 東京 on call, every day; all night"
            .repeat(3);
        let mut w = Writer::default();
        w.text("X-WR-CALNAME", &name);
        let out = w.finish();
        assert!(out.ends_with("\r\n"));
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.len() > 3, "{lines:?}");
        for (i, line) in lines.iter().enumerate() {
            assert!(line.len() <= 75, "line {i} has {} octets", line.len());
            assert_eq!(i > 0, line.starts_with(' '), "line {i}");
            assert!(!line.contains('\n') && !line.contains('\r'));
        }
        // Lines are as full as the characters allow: a fold happens only when the next
        // character would not fit.
        for pair in lines.windows(2) {
            let next = pair[1][1..].chars().next().expect("continuation");
            assert!(pair[0].len() + next.len_utf8() > 75);
        }
        assert_eq!(
            unfold(&out),
            format!("X-WR-CALNAME:{}\r\n", escape_text(&name))
        );
    }
}
