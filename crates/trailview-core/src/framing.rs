//! Framing: a byte stream → records, each with its origin (line, array index, byte offset).
//!
//! Accepted framings, detected from the first bytes of the input:
//! - **NDJSON**: one JSON value per line; CRLF, a UTF-8 BOM and a missing final newline are fine;
//!   blank lines are skipped. A line that is a JSON array (a CloudEvents batch, say) is split
//!   into its elements. A bad line is one bad record: it never takes its neighbours down.
//! - **JSON documents**: a single (pretty-printed) document, several concatenated ones, or a
//!   top-level array (a CloudEvents batch) whose elements become the records. CloudTrail's
//!   `{"Records": [...]}` log-file container is unwrapped the same way.
//!
//! Memory stays flat whatever the input size: records are cut as the bytes stream past, and a
//! record larger than [`MAX_RECORD_BYTES`] is not buffered but hashed, so it can be quarantined
//! by length, SHA-256 and origin.
//!
//! The record's bytes are exactly the value's bytes in the input (the line terminator, the BOM
//! and the whitespace between values are framing, not part of any envelope).

use std::collections::VecDeque;
use std::io::{self, Read};

use sha2::{Digest, Sha256};

use crate::normalize::MAX_RECORD_BYTES;

/// Where a record starts in its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Origin {
    /// 1-based line number of the record's first byte.
    pub line: u64,
    /// 0-based index in its enclosing array, when it came from one.
    pub index: Option<u64>,
    /// Byte offset of the record's first byte in the input.
    pub offset: u64,
}

/// One framed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete record's bytes.
    Record {
        /// The value's bytes, exactly as in the input.
        bytes: Vec<u8>,
        /// Where it starts.
        origin: Origin,
    },
    /// A record over [`MAX_RECORD_BYTES`]: too large to keep, identified by length and hash.
    Oversized {
        /// Its length in bytes.
        len: u64,
        /// SHA-256 of its bytes.
        sha256: [u8; 32],
        /// Where it starts.
        origin: Origin,
    },
    /// The input ended inside this record.
    Truncated {
        /// The bytes up to the end of the input.
        bytes: Vec<u8>,
        /// Where it starts.
        origin: Origin,
    },
}

impl Frame {
    /// Where the record starts.
    pub fn origin(&self) -> Origin {
        match self {
            Frame::Record { origin, .. }
            | Frame::Oversized { origin, .. }
            | Frame::Truncated { origin, .. } => *origin,
        }
    }
}

const CHUNK: usize = 256 * 1024;
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A buffered byte source that knows its absolute offset and line.
struct Src<R> {
    r: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// Absolute offset of `buf[pos]`.
    offset: u64,
    /// 1-based line of `buf[pos]`.
    line: u64,
}

impl<R: Read> Src<R> {
    fn new(r: R, offset: u64, line: u64) -> Self {
        Src {
            r,
            buf: Vec::with_capacity(CHUNK),
            pos: 0,
            eof: false,
            offset,
            line,
        }
    }

    fn avail(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Read more; false at end of input.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + CHUNK, 0);
        let n = loop {
            match self.r.read(&mut self.buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        };
        self.buf.truncate(old + n);
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    /// Make at least `n` bytes available, unless the input ends first.
    fn ensure(&mut self, n: usize) -> io::Result<()> {
        while self.avail().len() < n && self.fill()? {}
        Ok(())
    }

    /// Skip the whitespace at the front of the available bytes; true if a significant byte
    /// follows in them.
    fn skip_ws(&mut self) -> bool {
        let avail = self.avail();
        let n = avail.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let more = n < avail.len();
        self.advance(n);
        more
    }

    fn advance(&mut self, n: usize) {
        let s = &self.buf[self.pos..self.pos + n];
        self.line += memchr::memchr_iter(b'\n', s).count() as u64;
        self.pos += n;
        self.offset += n as u64;
    }
}

/// Accumulates one record's bytes, switching to hashing past the size limit.
struct Acc {
    bytes: Vec<u8>,
    hasher: Option<Sha256>,
    len: u64,
    origin: Origin,
}

impl Acc {
    fn new(origin: Origin) -> Self {
        Acc {
            bytes: Vec::new(),
            hasher: None,
            len: 0,
            origin,
        }
    }

    fn push(&mut self, s: &[u8]) {
        self.len += s.len() as u64;
        if let Some(h) = &mut self.hasher {
            h.update(s);
        } else if self.bytes.len() + s.len() > MAX_RECORD_BYTES {
            let mut h = Sha256::new();
            h.update(&self.bytes);
            h.update(s);
            self.bytes = Vec::new();
            self.hasher = Some(h);
        } else {
            self.bytes.extend_from_slice(s);
        }
    }

    fn finish(self, truncated: bool) -> Frame {
        match self.hasher {
            Some(h) => Frame::Oversized {
                len: self.len,
                sha256: h.finalize().into(),
                origin: self.origin,
            },
            None if truncated => Frame::Truncated {
                bytes: self.bytes,
                origin: self.origin,
            },
            None => Frame::Record {
                bytes: self.bytes,
                origin: self.origin,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Detect,
    Lines,
    Values,
}

/// Scanning state inside one JSON value.
#[derive(Debug, Clone, Copy)]
struct Scan {
    /// `{`, `[`, `"` or `s` (any other scalar or garbage).
    kind: u8,
    depth: u32,
    in_str: bool,
    esc: bool,
    started: bool,
}

impl Scan {
    fn new(first: u8) -> Self {
        let kind = match first {
            b'{' | b'[' | b'"' => first,
            _ => b's',
        };
        Scan {
            kind,
            depth: 0,
            in_str: false,
            esc: false,
            started: false,
        }
    }

    /// Feed bytes; `Some(n)` when the value ends after the first `n` bytes of `s`.
    fn feed(&mut self, s: &[u8]) -> Option<usize> {
        let mut i = 0;
        if !self.started {
            self.started = true;
            if self.kind == b's' {
                i = 1; // a scalar holds at least its first byte, even a stray `]`
            }
        }
        while i < s.len() {
            if self.in_str {
                if self.esc {
                    self.esc = false;
                    i += 1;
                    continue;
                }
                match memchr::memchr2(b'"', b'\\', &s[i..]) {
                    None => return None,
                    Some(j) => {
                        i += j;
                        if s[i] == b'\\' {
                            self.esc = true;
                        } else {
                            self.in_str = false;
                            if self.kind == b'"' {
                                return Some(i + 1);
                            }
                        }
                        i += 1;
                        continue;
                    }
                }
            }
            let c = s[i];
            if self.kind == b's' {
                if c.is_ascii_whitespace() || matches!(c, b',' | b']' | b'}' | b'[' | b'{' | b'"') {
                    return Some(i);
                }
                i += 1;
                continue;
            }
            match c {
                b'"' => self.in_str = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        None
    }
}

/// `{ "Records" : [` — CloudTrail's log-file container. Returns the length of the prefix.
fn records_prefix(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < s.len() && s[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    let expect = |i: &mut usize, lit: &[u8]| {
        if s[*i..].starts_with(lit) {
            *i += lit.len();
            true
        } else {
            false
        }
    };
    if !expect(&mut i, b"{") {
        return None;
    }
    skip_ws(&mut i);
    if !expect(&mut i, b"\"Records\"") {
        return None;
    }
    skip_ws(&mut i);
    if !expect(&mut i, b":") {
        return None;
    }
    skip_ws(&mut i);
    expect(&mut i, b"[").then_some(i)
}

/// Splits an input into [`Frame`]s. An iterator of `io::Result<Frame>`; an I/O error ends it.
pub struct Framer<R> {
    src: Src<R>,
    mode: Mode,
    pending: VecDeque<Frame>,
    /// In values mode: inside a top-level array (its elements are the records).
    in_array: bool,
    /// The array was a `{"Records": [` container: a `}` closes it after the `]`.
    records_close: bool,
    index: u64,
    done: bool,
}

impl<R: Read> Framer<R> {
    /// Frame `r`, detecting NDJSON or JSON documents from its first bytes.
    pub fn new(r: R) -> Self {
        Self::with_mode(r, Mode::Detect, 0, 1)
    }

    fn with_mode(r: R, mode: Mode, offset: u64, line: u64) -> Self {
        Framer {
            src: Src::new(r, offset, line),
            mode,
            pending: VecDeque::new(),
            in_array: false,
            records_close: false,
            index: 0,
            done: false,
        }
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.src.offset
    }

    fn detect(&mut self) -> io::Result<Mode> {
        self.src.ensure(3)?;
        if self.src.avail().starts_with(BOM) {
            self.src.advance(BOM.len());
        }
        // Skip leading whitespace to the first significant byte.
        while !self.src.skip_ws() && self.src.fill()? {}
        match self.src.avail().first() {
            Some(b'[') => return Ok(Mode::Values),
            Some(b'{') => {}
            _ => return Ok(Mode::Lines),
        }
        // An object. NDJSON when the first line holds a whole value, or when the line after it
        // starts a new object at column 0 (a cut-short first line must not swallow the file);
        // a (pretty-printed) document when the first line ends the way pretty-printers break
        // lines and the next one continues it.
        let mut seen = 0;
        loop {
            let avail = self.src.avail();
            let first_nl = memchr::memchr(b'\n', &avail[seen.min(avail.len())..]).map(|i| i + seen);
            if let Some(nl) = first_nl {
                let line = &avail[..nl];
                if records_prefix(line).is_some() {
                    return Ok(Mode::Values);
                }
                let mut scan = Scan::new(b'{');
                let closes = scan
                    .feed(line)
                    .is_some_and(|end| line[end..].iter().all(u8::is_ascii_whitespace));
                if closes {
                    return Ok(Mode::Lines);
                }
                let last = line.iter().rev().find(|b| !b.is_ascii_whitespace());
                if !matches!(last, Some(b'{' | b'[' | b',' | b':')) {
                    return Ok(Mode::Lines);
                }
                // Look at the next non-blank line.
                let rest = &avail[nl + 1..];
                match rest
                    .iter()
                    .position(|b| !b.is_ascii_whitespace() || *b == b'\n')
                {
                    Some(_) => {
                        let next = rest
                            .split(|b| *b == b'\n')
                            .find(|l| l.iter().any(|b| !b.is_ascii_whitespace()));
                        match next {
                            Some(l) if l.first() == Some(&b'{') => return Ok(Mode::Lines),
                            Some(_) => return Ok(Mode::Values),
                            None if self.src.eof => return Ok(Mode::Values),
                            None => {}
                        }
                    }
                    None if self.src.eof => return Ok(Mode::Values),
                    None => {}
                }
            }
            seen = avail.len();
            if seen > 2 * MAX_RECORD_BYTES || !self.src.fill()? {
                return Ok(if first_nl.is_some() {
                    Mode::Values
                } else {
                    Mode::Lines
                });
            }
        }
    }

    /// NDJSON: the next line's frame(s).
    fn next_line(&mut self) -> io::Result<bool> {
        let start_line = self.src.line;
        let start_offset = self.src.offset;
        let mut acc = Acc::new(Origin {
            line: start_line,
            index: None,
            offset: start_offset,
        });
        let mut first = true;
        // A `\r` at the end of a chunk may be half of a CRLF: hold it back until the next byte
        // says whether it is framing or data, so size limits and hashes never count it wrongly.
        let mut held_cr = false;
        let ended_with_newline;
        loop {
            let avail = self.src.avail();
            if first && start_offset == 0 && avail.starts_with(BOM) {
                self.src.advance(BOM.len());
                acc.origin.offset = self.src.offset;
                continue;
            }
            first = false;
            if let Some(nl) = memchr::memchr(b'\n', avail) {
                let mut line = &avail[..nl];
                if held_cr && nl > 0 {
                    acc.push(b"\r");
                }
                if line.last() == Some(&b'\r') {
                    line = &line[..nl - 1];
                }
                acc.push(line);
                self.src.advance(nl + 1);
                ended_with_newline = true;
                break;
            }
            if held_cr && !avail.is_empty() {
                acc.push(b"\r");
                held_cr = false;
            }
            let n = avail.len();
            let mut chunk = avail;
            if chunk.last() == Some(&b'\r') {
                chunk = &chunk[..n - 1];
                held_cr = true;
            }
            acc.push(chunk);
            self.src.advance(n);
            if !self.src.fill()? {
                if held_cr {
                    acc.push(b"\r"); // a lone CR at the very end is data
                }
                ended_with_newline = false;
                break;
            }
        }
        if !ended_with_newline && acc.len == 0 {
            return Ok(false);
        }
        let frame = acc.finish(false);
        match frame {
            Frame::Record { bytes, origin } => self.line_record(bytes, origin),
            other => self.pending.push_back(other),
        }
        Ok(true)
    }

    fn line_record(&mut self, bytes: Vec<u8>, origin: Origin) {
        let lead = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if lead == bytes.len() {
            return; // blank line
        }
        let trail = bytes
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        let body = &bytes[lead..bytes.len() - trail];
        let origin = Origin {
            offset: origin.offset + lead as u64,
            ..origin
        };
        if body[0] == b'[' || records_prefix(body).is_some() {
            // A batch on one line: its elements are the records.
            let mut inner = Framer::with_mode(body, Mode::Values, origin.offset, origin.line);
            for f in &mut inner {
                match f {
                    Ok(f) => self.pending.push_back(f),
                    Err(_) => unreachable!("reading a slice cannot fail"),
                }
            }
        } else {
            self.pending.push_back(Frame::Record {
                bytes: body.to_vec(),
                origin,
            });
        }
    }

    /// JSON documents: the next value's frame.
    fn next_value(&mut self) -> io::Result<bool> {
        // Skip what separates values: whitespace, commas, and container brackets.
        loop {
            if self.src.avail().is_empty() && !self.src.fill()? {
                return Ok(false);
            }
            if !self.src.skip_ws() {
                continue; // only whitespace was available: read more
            }
            let c = self.src.avail()[0];
            if self.in_array {
                match c {
                    b',' => {
                        self.src.advance(1);
                        continue;
                    }
                    b']' => {
                        self.src.advance(1);
                        self.in_array = false;
                        continue;
                    }
                    _ => break,
                }
            }
            if self.records_close && c == b'}' {
                self.src.advance(1);
                self.records_close = false;
                continue;
            }
            self.records_close = false;
            if c == b'[' {
                self.src.advance(1);
                self.in_array = true;
                self.index = 0;
                continue;
            }
            if c == b'{' {
                self.src.ensure(64)?;
                if let Some(n) = records_prefix(self.src.avail()) {
                    self.src.advance(n);
                    self.in_array = true;
                    self.records_close = true;
                    self.index = 0;
                    continue;
                }
            }
            break;
        }
        let first = self.src.avail()[0];
        let mut acc = Acc::new(Origin {
            line: self.src.line,
            index: self.in_array.then_some(self.index),
            offset: self.src.offset,
        });
        if self.in_array {
            self.index += 1;
        }
        let mut scan = Scan::new(first);
        loop {
            let avail = self.src.avail();
            if let Some(end) = scan.feed(avail) {
                acc.push(&avail[..end]);
                self.src.advance(end);
                self.pending.push_back(acc.finish(false));
                return Ok(true);
            }
            let n = avail.len();
            acc.push(avail);
            self.src.advance(n);
            if !self.src.fill()? {
                // A scalar ends with the input; anything else was cut short.
                let truncated = scan.kind != b's';
                self.pending.push_back(acc.finish(truncated));
                return Ok(true);
            }
        }
    }
}

impl<R: Read> Iterator for Framer<R> {
    type Item = io::Result<Frame>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(f) = self.pending.pop_front() {
                return Some(Ok(f));
            }
            if self.done {
                return None;
            }
            let step = match self.mode {
                Mode::Detect => match self.detect() {
                    Ok(m) => {
                        self.mode = m;
                        continue;
                    }
                    Err(e) => Err(e),
                },
                Mode::Lines => self.next_line(),
                Mode::Values => self.next_value(),
            };
            match step {
                Ok(true) => {}
                Ok(false) => self.done = true,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8]) -> Vec<Frame> {
        Framer::new(input).map(Result::unwrap).collect()
    }

    fn texts(input: &[u8]) -> Vec<(String, Origin)> {
        frames(input)
            .into_iter()
            .map(|f| match f {
                Frame::Record { bytes, origin } => (String::from_utf8(bytes).unwrap(), origin),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn ndjson_with_crlf_bom_blank_lines_and_no_final_newline() {
        let got = texts(b"\xEF\xBB\xBF{\"a\":1}\r\n\r\n{\"b\":2}\n  {\"c\":3}");
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].0, "{\"a\":1}");
        assert_eq!(
            got[0].1,
            Origin {
                line: 1,
                index: None,
                offset: 3
            }
        );
        assert_eq!(got[1].0, "{\"b\":2}");
        assert_eq!(got[1].1.line, 3);
        assert_eq!(got[2].0, "{\"c\":3}");
        assert_eq!(
            got[2].1,
            Origin {
                line: 4,
                index: None,
                offset: 24
            }
        );
    }

    #[test]
    fn a_bad_line_is_only_itself() {
        let got = texts(b"{\"a\":1}\n{\"broken\": \"unterminated}\n{\"c\":3}\n");
        assert_eq!(got.len(), 3);
        assert_eq!(got[1].0, "{\"broken\": \"unterminated}");
        assert_eq!(got[2].0, "{\"c\":3}");
    }

    #[test]
    fn top_level_array_elements_keep_exact_bytes_and_index() {
        let input = b"[\n  {\"a\": \"x]}\"},\n  {\"b\": [1, {\"c\": 2}]}\n]\n";
        let got = texts(input);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, "{\"a\": \"x]}\"}");
        assert_eq!(
            got[0].1,
            Origin {
                line: 2,
                index: Some(0),
                offset: 4
            }
        );
        assert_eq!(got[1].0, "{\"b\": [1, {\"c\": 2}]}");
        assert_eq!(got[1].1.index, Some(1));
        assert_eq!(got[1].1.line, 3);
    }

    #[test]
    fn empty_batch_is_no_records() {
        assert!(frames(b"[]\n").is_empty());
        assert!(frames(b"").is_empty());
        assert!(frames(b"\n\n  \n").is_empty());
    }

    #[test]
    fn pretty_printed_single_document() {
        let input = b"{\n    \"type\" : \"x\",\n    \"data\" : \"<much wow=\\\"xml\\\"/>\"\n}\n";
        let got = texts(input);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0.as_bytes(), &input[..input.len() - 1]);
    }

    #[test]
    fn cloudtrail_records_container_is_unwrapped() {
        let input = b"{\"Records\": [{\n  \"eventTime\": \"2014-03-06T17:10:34Z\"\n}, {\"eventTime\": \"x\"}]}";
        let got = texts(input);
        assert_eq!(got.len(), 2);
        assert!(got[0].0.starts_with("{\n  \"eventTime\""));
        assert_eq!(got[1].1.index, Some(1));
        // and on a single line, as CloudTrail writes its log files
        let got = texts(b"{\"Records\":[{\"a\":1},{\"b\":2}]}\n{\"c\":3}\n");
        assert_eq!(
            got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"]
        );
    }

    #[test]
    fn ndjson_line_holding_a_batch_is_split() {
        let got = texts(b"{\"a\":1}\n[{\"b\":2},{\"c\":3}]\n");
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[1].1,
            Origin {
                line: 2,
                index: Some(0),
                offset: 9
            }
        );
        assert_eq!(got[2].1.offset, 17);
    }

    #[test]
    fn truncated_document() {
        let f = frames(b"[{\"a\": 1}, {\"b\": \"never ends");
        assert_eq!(f.len(), 2);
        assert!(matches!(&f[1], Frame::Truncated { bytes, .. } if bytes.starts_with(b"{\"b\"")));
    }

    #[test]
    fn oversized_line_is_hashed_not_buffered() {
        let mut input = b"{\"a\":1}\n{\"big\":\"".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES + 10));
        input.extend_from_slice(b"\"}\n{\"c\":3}\n");
        let f = frames(&input);
        assert_eq!(f.len(), 3);
        let big = &input[8..input.len() - 9];
        match &f[1] {
            Frame::Oversized {
                len,
                sha256,
                origin,
            } => {
                assert_eq!(*len as usize, big.len());
                assert_eq!(sha256[..], Sha256::digest(big)[..]);
                assert_eq!(origin.line, 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&f[2], Frame::Record { bytes, .. } if bytes == b"{\"c\":3}"));
    }

    #[test]
    fn records_across_chunk_boundaries() {
        // Many records whose bytes straddle the 256 KiB read chunks.
        let mut input = Vec::new();
        input.push(b'[');
        for i in 0..20_000 {
            if i > 0 {
                input.extend_from_slice(b",\n");
            }
            input.extend_from_slice(format!("{{\"i\":{i},\"s\":\"a\\\"b\\\\\"}}").as_bytes());
        }
        input.push(b']');
        let got = texts(&input);
        assert_eq!(got.len(), 20_000);
        assert_eq!(got[12_345].0, "{\"i\":12345,\"s\":\"a\\\"b\\\\\"}");
        assert_eq!(got[12_345].1.index, Some(12_345));
    }
}
