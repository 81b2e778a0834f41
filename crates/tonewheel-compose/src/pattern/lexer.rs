//! Tokens of the mini-notation with their character positions.

use crate::pattern::error::PatternError;

/// Longest pattern text accepted, in characters.
pub const MAX_PATTERN_CHARS: usize = 4096;

/// A token kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// A word: sound, note name or number (`bd`, `c#3`, `0.5`, `-2`).
    Word(String),
    /// One of `[ ] < > ( ) , * / ! @ _ ~ :`.
    Sym(char),
    /// End of input.
    End,
}

/// A token and the character index where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The kind.
    pub tok: Tok,
    /// Character index in the source.
    pub position: usize,
    /// True if whitespace precedes the token (so `a !` differs from `a!` only in spelling).
    pub spaced: bool,
}

impl Tok {
    /// How an error message shows this token.
    pub fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("{w:?}"),
            Tok::Sym(c) => format!("'{c}'"),
            Tok::End => "end of pattern".into(),
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '#' || c == '.' || c == '-'
}

/// Splits `text` into tokens; the last one is always [`Tok::End`].
pub fn lex(text: &str) -> Result<Vec<Token>, PatternError> {
    let chars: Vec<char> = text.chars().take(MAX_PATTERN_CHARS + 1).collect();
    if chars.len() > MAX_PATTERN_CHARS {
        return Err(PatternError::new(
            MAX_PATTERN_CHARS,
            format!("at most {MAX_PATTERN_CHARS} characters"),
            "a longer pattern",
        ));
    }
    let mut out = Vec::new();
    let mut i = 0;
    let mut spaced = true;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            spaced = true;
            i += 1;
            continue;
        }
        if "[]<>(),*/!@_~:".contains(c) {
            out.push(Token {
                tok: Tok::Sym(c),
                position: i,
                spaced,
            });
            i += 1;
        } else if is_word_char(c) {
            let start = i;
            while i < chars.len() && is_word_char(chars[i]) {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Word(chars[start..i].iter().collect()),
                position: start,
                spaced,
            });
        } else {
            return Err(PatternError::new(
                i,
                "a sound, note, number or one of [ ] < > ( ) , * / ! @ _ ~ :",
                format!("'{c}'"),
            ));
        }
        spaced = false;
    }
    out.push(Token {
        tok: Tok::End,
        position: chars.len(),
        spaced,
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_character_indices() {
        let t = lex("bd*2 [é").unwrap_err();
        assert_eq!((t.position, t.found.as_str()), (6, "'é'"));
        let toks = lex("bd*2 [c#3]").unwrap();
        let pos: Vec<usize> = toks.iter().map(|t| t.position).collect();
        assert_eq!(pos, vec![0, 2, 3, 5, 6, 9, 10]);
        assert_eq!(toks[4].tok, Tok::Word("c#3".into()));
        assert!(toks[3].spaced && !toks[1].spaced);
    }
}
