//! HTTP `Range` requests for byte ranges (RFC 9110 section 14): which part of a file of
//! known length to send.
//!
//! One range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) is answered 206 with that part; a range
//! that starts past the end is unsatisfiable (416). A header this module cannot use (another
//! unit, bad syntax, a reversed range) is ignored, as the RFC asks, and so is a list of
//! several ranges: the whole file is a valid answer to those and needs no multipart body.

/// What to send for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAnswer {
    /// The whole file (200).
    Whole,
    /// Bytes `start..=end` (206); `end` is below the file length.
    Part {
        /// First byte.
        start: u64,
        /// Last byte, inclusive.
        end: u64,
    },
    /// Nothing of the file can satisfy the range (416).
    Unsatisfiable,
}

/// The answer to the `Range` header value `header` for a file of `len` bytes.
pub fn answer(header: Option<&str>, len: u64) -> RangeAnswer {
    let Some(header) = header else {
        return RangeAnswer::Whole;
    };
    let header = header.trim();
    let Some((unit, spec)) = header.split_once('=') else {
        return RangeAnswer::Whole;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return RangeAnswer::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAnswer::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    match (first.is_empty(), last.is_empty()) {
        // "-n": the last n bytes.
        (true, false) => match digits(last) {
            None => RangeAnswer::Whole,
            Some(0) => RangeAnswer::Unsatisfiable,
            Some(_) if len == 0 => RangeAnswer::Unsatisfiable,
            Some(n) => RangeAnswer::Part {
                start: len - n.min(len),
                end: len - 1,
            },
        },
        // "a-" or "a-b".
        (false, _) => {
            let Some(start) = digits(first) else {
                return RangeAnswer::Whole;
            };
            let end = if last.is_empty() {
                u64::MAX
            } else {
                match digits(last) {
                    Some(e) if e >= start => e,
                    _ => return RangeAnswer::Whole,
                }
            };
            if start >= len {
                RangeAnswer::Unsatisfiable
            } else {
                RangeAnswer::Part {
                    start,
                    end: end.min(len - 1),
                }
            }
        }
        (true, true) => RangeAnswer::Whole,
    }
}

/// ASCII digits as a number; a value past `u64::MAX` saturates (a position beyond any file).
fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.bytes().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use RangeAnswer::*;

    #[test]
    fn single_ranges_as_in_rfc_9110() {
        // The RFC's examples for a 10000-byte representation (section 14.1.2).
        let len = 10_000;
        assert_eq!(
            answer(Some("bytes=0-499"), len),
            Part { start: 0, end: 499 }
        );
        assert_eq!(
            answer(Some("bytes=500-999"), len),
            Part {
                start: 500,
                end: 999
            }
        );
        assert_eq!(
            answer(Some("bytes=-500"), len),
            Part {
                start: 9500,
                end: 9999
            }
        );
        assert_eq!(
            answer(Some("bytes=9500-"), len),
            Part {
                start: 9500,
                end: 9999
            }
        );
        // An end past the length is cut to the last byte; a suffix longer than the file is
        // the whole file as a part.
        assert_eq!(
            answer(Some("bytes=9000-20000"), len),
            Part {
                start: 9000,
                end: 9999
            }
        );
        assert_eq!(
            answer(Some("bytes=-20000"), len),
            Part {
                start: 0,
                end: 9999
            }
        );
        assert_eq!(answer(Some("Bytes = 1-1"), len), Part { start: 1, end: 1 });
    }

    #[test]
    fn ranges_past_the_end_are_unsatisfiable() {
        assert_eq!(answer(Some("bytes=10000-"), 10_000), Unsatisfiable);
        assert_eq!(answer(Some("bytes=10000-10005"), 10_000), Unsatisfiable);
        assert_eq!(answer(Some("bytes=-0"), 10_000), Unsatisfiable);
        assert_eq!(answer(Some("bytes=0-"), 0), Unsatisfiable);
        assert_eq!(answer(Some("bytes=-5"), 0), Unsatisfiable);
        assert_eq!(
            answer(Some("bytes=99999999999999999999999-"), 10),
            Unsatisfiable
        );
    }

    #[test]
    fn unusable_headers_mean_the_whole_file() {
        for h in [
            "items=0-1",
            "bytes=5-2",
            "bytes=a-b",
            "bytes=-",
            "bytes=1",
            "bytes=0-1,5-6",
            "bytes=+1-2",
            "",
        ] {
            assert_eq!(answer(Some(h), 100), Whole, "{h:?}");
        }
        assert_eq!(answer(None, 100), Whole);
    }
}
