//! [`split`]: a JSON array's elements located in one pass over the text, the text validated on
//! the way.
//!
//! It accepts exactly what `serde_json::from_str::<Vec<&RawValue>>` accepts (the grammar of
//! RFC 8259, nesting as deep as the text goes, `\u` escapes not checked for surrogates, as
//! serde_json does while it skips a value) and locates the same elements, without serde's
//! visitor and raw-value machinery around every element.

use super::plain;

/// Where each element of the JSON array `text` lies (byte ranges, whitespace around them
/// excluded), given to `push` in order; `Err` if `text` is not one JSON array (whitespace
/// around it allowed), maybe after some elements were given.
pub(super) fn split(text: &str, mut push: impl FnMut((u32, u32))) -> Result<(), Invalid> {
    let mut scan = Scan {
        bytes: text.as_bytes(),
        pos: 0,
    };
    scan.skip_whitespace();
    scan.expect(b'[')?;
    scan.skip_whitespace();
    if scan.peek() == Some(b']') {
        scan.pos += 1;
    } else {
        loop {
            let start = scan.pos;
            scan.value()?;
            push((start as u32, scan.pos as u32));
            scan.skip_whitespace();
            match scan.next() {
                Some(b',') => scan.skip_whitespace(),
                Some(b']') => break,
                _ => return Err(Invalid),
            }
        }
    }
    scan.skip_whitespace();
    if scan.pos == scan.bytes.len() {
        Ok(())
    } else {
        Err(Invalid)
    }
}

/// The text is not a JSON array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Invalid;

struct Scan<'a> {
    bytes: &'a [u8],
    pos: usize,
}

/// The containers a value is nested in, innermost last: one bit each (set: an object), the
/// first 128 levels inline.
#[derive(Default)]
struct Nesting {
    inline: u128,
    depth: usize,
    deeper: Vec<bool>,
}

impl Nesting {
    fn push(&mut self, object: bool) {
        if self.depth < 128 {
            self.inline = (self.inline & !(1 << self.depth)) | (u128::from(object) << self.depth);
        } else {
            self.deeper.push(object);
        }
        self.depth += 1;
    }

    /// Leaves the innermost container; whether it was an object, `None` at the top.
    fn pop(&mut self) -> Option<bool> {
        self.depth = self.depth.checked_sub(1)?;
        if self.depth < 128 {
            Some(self.inline >> self.depth & 1 == 1)
        } else {
            self.deeper.pop()
        }
    }
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn expect(&mut self, byte: u8) -> Result<(), Invalid> {
        if self.next() == Some(byte) {
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// One value, nested ones included, from `pos` (no whitespace before it).
    fn value(&mut self) -> Result<(), Invalid> {
        let mut nesting = Nesting::default();
        loop {
            // A value starts here.
            match self.next().ok_or(Invalid)? {
                b'"' => self.string()?,
                b'-' => {
                    let first = self.next().ok_or(Invalid)?;
                    self.number(first)?;
                }
                first @ b'0'..=b'9' => self.number(first)?,
                b't' => self.literal(b"rue")?,
                b'f' => self.literal(b"alse")?,
                b'n' => self.literal(b"ull")?,
                open @ (b'[' | b'{') => {
                    self.skip_whitespace();
                    let empty = if open == b'[' { b']' } else { b'}' };
                    if self.peek() == Some(empty) {
                        self.pos += 1;
                    } else {
                        nesting.push(open == b'{');
                        if open == b'{' {
                            self.key()?;
                        }
                        continue;
                    }
                }
                _ => return Err(Invalid),
            }
            // A value ended: what follows it in its containers.
            loop {
                let Some(object) = nesting.pop() else {
                    return Ok(());
                };
                self.skip_whitespace();
                match self.next() {
                    Some(b',') => {
                        nesting.push(object);
                        self.skip_whitespace();
                        if object {
                            self.key()?;
                        }
                        break;
                    }
                    Some(b']') if !object => {}
                    Some(b'}') if object => {}
                    _ => return Err(Invalid),
                }
            }
        }
    }

    /// An object's key and its colon, from `pos` (no whitespace before it), and the whitespace
    /// before its value.
    fn key(&mut self) -> Result<(), Invalid> {
        self.expect(b'"')?;
        self.string()?;
        self.skip_whitespace();
        self.expect(b':')?;
        self.skip_whitespace();
        Ok(())
    }

    /// The rest of a string, after its opening quote: no control characters, valid escapes.
    fn string(&mut self) -> Result<(), Invalid> {
        loop {
            self.skip_plain();
            match self.next().ok_or(Invalid)? {
                b'"' => return Ok(()),
                b'\\' => match self.next().ok_or(Invalid)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        let hex = self.bytes.get(self.pos..self.pos + 4).ok_or(Invalid)?;
                        if !hex.iter().all(u8::is_ascii_hexdigit) {
                            return Err(Invalid);
                        }
                        self.pos += 4;
                    }
                    _ => return Err(Invalid),
                },
                _ => return Err(Invalid),
            }
        }
    }

    /// Moves `pos` to the next quote, backslash or control character (or the end), eight bytes
    /// at a time while none is in them.
    fn skip_plain(&mut self) {
        self.pos += plain::plain_len(&self.bytes[self.pos..], false);
    }

    /// The rest of a number after its first digit, `first` (after the minus sign, if any).
    fn number(&mut self, first: u8) -> Result<(), Invalid> {
        match first {
            b'0' => {
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    return Err(Invalid);
                }
            }
            b'1'..=b'9' => self.digits(),
            _ => return Err(Invalid),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let start = self.pos;
            self.digits();
            if self.pos == start {
                return Err(Invalid);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            let start = self.pos;
            self.digits();
            if self.pos == start {
                return Err(Invalid);
            }
        }
        Ok(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }

    /// The rest of `true`, `false` or `null`.
    fn literal(&mut self, rest: &[u8]) -> Result<(), Invalid> {
        if self.bytes[self.pos..].starts_with(rest) {
            self.pos += rest.len();
            Ok(())
        } else {
            Err(Invalid)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    /// What serde_json accepts and where it finds the elements: the reference.
    fn reference(text: &str) -> Option<Vec<(u32, u32)>> {
        let items = serde_json::from_str::<Vec<&RawValue>>(text).ok()?;
        let base = text.as_ptr() as usize;
        Some(
            items
                .iter()
                .map(|item| {
                    let start = item.get().as_ptr() as usize - base;
                    (start as u32, (start + item.get().len()) as u32)
                })
                .collect(),
        )
    }

    fn ours(text: &str) -> Option<Vec<(u32, u32)>> {
        let mut spans = Vec::new();
        split(text, |span| spans.push(span)).ok().map(|()| spans)
    }

    fn same(text: &str) {
        assert_eq!(ours(text), reference(text), "{text:?}");
    }

    #[test]
    fn agrees_with_serde_json_on_chosen_cases() {
        let cases = [
            "[]",
            " [ ] ",
            "[1]",
            r#" ["ev", 1 , {"a":[2]}, "x"] "#,
            r#"["a",{"k":{"l":[[],{},[{}]]}},true,false,null]"#,
            r#"["\"\\\/\b\f\n\r\t\u00e9\uD800\udfff"]"#,
            r#"["é日本",  "tab	x"]"#,
            "[0,-0,1.5,-2e10,3E+2,4e-2,0.0e0,123456789012345678901234567890]",
            "[01]",
            "[1.]",
            "[.5]",
            "[-]",
            "[1e]",
            "[1e+]",
            "[+1]",
            "[0x1]",
            "[1,]",
            "[,1]",
            "[1 2]",
            "[1] x",
            "[1][2]",
            "{}",
            "1",
            r#""a""#,
            r#"["a""#,
            "[",
            "",
            "[tru]",
            "[nul",
            "[truex]",
            "[NaN]",
            r#"["\x"]"#,
            r#"["\u12"]"#,
            r#"["\u12g4"]"#,
            "[\"a\nb\"]",
            "[\"\u{1f}\"]",
            r#"[{"a"}]"#,
            r#"[{"a":}]"#,
            r#"[{"a":1,}]"#,
            r#"[{1:2}]"#,
            r#"[{"a":1 "b":2}]"#,
            r#"[[1,2],]"#,
            r#"[{"a":[}]]"#,
            "[1]\u{a0}",
            "\u{feff}[1]",
        ];
        for text in cases {
            same(text);
        }
        let deep = format!("[{}1{}]", "[".repeat(300), "]".repeat(300));
        same(&deep);
        let deep_objects = format!("[{}1{}]", r#"{"k":["#.repeat(200), "]}".repeat(200));
        same(&deep_objects);
        same(&deep[..deep.len() - 1]);
        same(&format!("[{}1{}]", "[".repeat(200), "]".repeat(199)));
        same(&format!("[{}1{}]]", "[".repeat(200), "]".repeat(200)));
        same(&format!("[{}1{}}}]", "[".repeat(200), "]".repeat(199)));
    }

    /// A small deterministic generator (xorshift), so the test needs no crate and no seed file.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }
    }

    const SCALARS: &[&str] = &[
        "0",
        "-1",
        "12.5e-3",
        "1E9",
        "true",
        "false",
        "null",
        r#""""#,
        r#""abc""#,
        r#""a\"b\\c\u00FFd""#,
        r#""long string with more than eight bytes in it""#,
        r#""日本語のテキスト""#,
        r#""\n\t""#,
    ];
    const WS: &[&str] = &["", "", "", " ", "\n", "\t ", "\r\n"];

    fn value(rng: &mut Rng, depth: usize, out: &mut String) {
        match rng.below(if depth > 4 { 1 } else { 4 }) {
            0 => out.push_str(rng.pick(SCALARS)),
            1 => {
                out.push('[');
                for i in 0..rng.below(4) {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(rng.pick(WS));
                    value(rng, depth + 1, out);
                    out.push_str(rng.pick(WS));
                }
                out.push(']');
            }
            _ => {
                out.push('{');
                for i in 0..rng.below(4) {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(rng.pick(WS));
                    out.push_str(rng.pick(&[r#""k""#, r#""key with \" quote""#, r#""""#]));
                    out.push_str(rng.pick(WS));
                    out.push(':');
                    out.push_str(rng.pick(WS));
                    value(rng, depth + 1, out);
                }
                out.push('}');
            }
        }
    }

    /// Breaks `text` a little: a byte removed, a structural or odd character inserted, or a
    /// piece repeated.
    fn mutate(rng: &mut Rng, text: &str) -> String {
        let mut bytes = text.as_bytes().to_vec();
        for _ in 0..1 + rng.below(2) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(3) {
                0 if at < bytes.len() => {
                    bytes.remove(at);
                }
                1 => {
                    let odd = rng.pick(&[
                        "[", "]", "{", "}", ",", ":", "\"", "\\", " ", "-", ".", "e", "0", "1",
                        "u", "x", "\u{1}", "\n", "é", "+", "n",
                    ]);
                    bytes.splice(at..at, odd.bytes());
                }
                _ => {
                    let end = (at + rng.below(6)).min(bytes.len());
                    let piece = bytes[at..end].to_vec();
                    bytes.splice(at..at, piece);
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn agrees_with_serde_json_on_generated_texts() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut valid = 0;
        for _ in 0..20_000 {
            let mut text = String::new();
            text.push_str(rng.pick(WS));
            text.push('[');
            for i in 0..rng.below(4) {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(rng.pick(WS));
                value(&mut rng, 0, &mut text);
                text.push_str(rng.pick(WS));
            }
            text.push(']');
            text.push_str(rng.pick(WS));
            same(&text);
            let broken = mutate(&mut rng, &text);
            same(&broken);
            valid += usize::from(reference(&broken).is_some());
        }
        // The mutations must leave some texts valid and break others, or the test tests little.
        assert!(valid > 1_000 && valid < 19_000, "{valid}");
    }
}
