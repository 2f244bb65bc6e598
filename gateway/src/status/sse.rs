//! An incremental `text/event-stream` parser with a size cap per event.

/// One server-sent event.
#[derive(Debug, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field (`message` when absent).
    pub event: String,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// An event (or an unterminated line) over the parser's size cap.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("server-sent event larger than {0} bytes")]
pub struct SseTooLarge(usize);

/// Incremental `text/event-stream` parser (the WHATWG rules we need): lines end with LF,
/// CRLF or CR, even across chunk boundaries; a blank line dispatches the event; lines
/// starting with `:` are comments (keep-alives); `id`, `retry` and unknown fields are
/// ignored; a leading BOM is skipped; an incomplete event at the end is dropped.
#[derive(Debug)]
pub struct SseParser {
    /// Bytes of the line not yet terminated.
    buf: Vec<u8>,
    event: String,
    data: String,
    has_data: bool,
    /// The last chunk ended with CR: an LF starting the next one belongs to it.
    after_cr: bool,
    /// Still at the start of the stream (a BOM may follow).
    at_start: bool,
    cap: usize,
}

impl SseParser {
    /// A parser that refuses any event, or unterminated line, over `cap` bytes.
    pub fn new(cap: usize) -> Self {
        Self {
            buf: Vec::new(),
            event: String::new(),
            data: String::new(),
            has_data: false,
            after_cr: false,
            at_start: true,
            cap,
        }
    }

    /// Feeds a chunk; returns the events it completes.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, SseTooLarge> {
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        let mut buf = std::mem::take(&mut self.buf);
        buf.extend_from_slice(chunk);
        let mut start = 0;
        if self.at_start {
            if buf.len() < BOM.len() && BOM.starts_with(&buf) {
                self.buf = buf;
                return Ok(Vec::new());
            }
            if buf.starts_with(BOM) {
                start = BOM.len();
            }
            self.at_start = false;
        }
        if self.after_cr && start < buf.len() {
            if buf[start] == b'\n' {
                start += 1;
            }
            self.after_cr = false;
        }
        let mut out = Vec::new();
        while let Some(i) = buf[start..].iter().position(|&b| b == b'\n' || b == b'\r') {
            let end = start + i;
            let next = if buf[end] == b'\r' {
                match buf.get(end + 1) {
                    Some(b'\n') => end + 2,
                    Some(_) => end + 1,
                    None => {
                        self.after_cr = true;
                        end + 1
                    }
                }
            } else {
                end + 1
            };
            self.line(&buf[start..end], &mut out)?;
            start = next;
        }
        buf.drain(..start);
        if buf.len() + self.data.len() + self.event.len() > self.cap {
            return Err(SseTooLarge(self.cap));
        }
        self.buf = buf;
        Ok(out)
    }

    fn line(&mut self, line: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseTooLarge> {
        if line.is_empty() {
            if self.has_data {
                let mut data = std::mem::take(&mut self.data);
                data.pop(); // the `\n` after the last data line
                let event = match std::mem::take(&mut self.event) {
                    e if e.is_empty() => "message".to_owned(),
                    e => e,
                };
                out.push(SseEvent { event, data });
            }
            self.event.clear();
            self.data.clear();
            self.has_data = false;
            return Ok(());
        }
        if line[0] == b':' {
            return Ok(());
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &[][..]),
        };
        match field {
            b"event" => self.event = String::from_utf8_lossy(value).into_owned(),
            b"data" => {
                self.data.push_str(&String::from_utf8_lossy(value));
                self.data.push('\n');
                self.has_data = true;
            }
            _ => {}
        }
        if self.data.len() + self.event.len() > self.cap {
            return Err(SseTooLarge(self.cap));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test
mod tests {
    use super::super::MAX_EVENT_BYTES;
    use super::*;

    fn parse_in_pieces(input: &[u8], piece: usize) -> Vec<SseEvent> {
        let mut p = SseParser::new(MAX_EVENT_BYTES);
        input
            .chunks(piece)
            .flat_map(|c| p.push(c).unwrap())
            .collect()
    }

    #[test]
    fn sse_parser_reads_events_split_anywhere_with_any_line_ending() {
        let lf = "\u{feff}: hello\n\nevent: status\ndata: {\"payload\":\"a\"}\n\n:\n\nid: 3\nretry: 10\ndata:one\ndata: two\n\nevent: status\ndata: {\"partial\"";
        let want = vec![
            SseEvent {
                event: "status".into(),
                data: "{\"payload\":\"a\"}".into(),
            },
            SseEvent {
                event: "message".into(),
                data: "one\ntwo".into(),
            },
        ];
        for ending in ["\n", "\r\n", "\r"] {
            let input = lf.replace('\n', ending);
            for piece in [1, 2, 3, 7, input.len()] {
                assert_eq!(
                    parse_in_pieces(input.as_bytes(), piece),
                    want,
                    "line ending {ending:?}, pieces of {piece}"
                );
            }
        }
    }

    #[test]
    fn sse_parser_refuses_an_oversized_event() {
        let mut p = SseParser::new(64);
        let fits = format!("event: status\ndata: {}\n\n", "x".repeat(40));
        assert_eq!(p.push(fits.as_bytes()).unwrap().len(), 1);
        // One data line over the cap, and an unterminated line over the cap.
        let big = format!("data: {}\n", "x".repeat(100));
        assert_eq!(p.push(big.as_bytes()), Err(SseTooLarge(64)));
        let mut p = SseParser::new(64);
        assert_eq!(p.push("y".repeat(65).as_bytes()), Err(SseTooLarge(64)));
        // Many small data lines adding up.
        let mut p = SseParser::new(64);
        let mut result = Ok(Vec::new());
        for _ in 0..20 {
            result = p.push(b"data: xxxxxx\n");
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(SseTooLarge(64)));
    }
}
