//! Recursive-descent parser for the mini-notation (written from the Tidal/Strudel docs).
//!
//! Grammar (`layers` is the top level and the inside of `[ ]` and `< >`):
//! ```text
//! layers   := sequence (',' sequence)*
//! sequence := (step | '_' | '!' integer?)+
//! step     := term ('*' number | '/' number | '@' number | '(' int ',' int (',' int)? ')')*
//! term     := '~' | '[' layers ']' | '<' layers '>' | word (':' velocity)?
//! ```
//! A word is an integer scale degree, a note name with octave (`c3`, `eb4`, `f#2`, `cs3`) or
//! a sound symbol (`bd`, `hh`). Every input is bounded: length, nesting depth, speed factors,
//! steps per sequence and Euclid steps all have limits that produce errors, not allocations.

use std::sync::Arc;

use crate::pattern::ast::{Atom, Node, Step, Value};
use crate::pattern::error::PatternError;
use crate::pattern::euclid::bjorklund;
use crate::pattern::fraction::Fraction;
use crate::pattern::lexer::{lex, Tok, Token};
use crate::theory::parse_note;

/// Deepest bracket nesting accepted.
pub const MAX_DEPTH: usize = 32;
/// Largest `*n` or `/n` factor.
pub const MAX_FACTOR: i64 = 128;
/// Most steps in one sequence after replication.
pub const MAX_STEPS: usize = 1024;
/// Most steps of a Euclidean rhythm.
pub const MAX_EUCLID_STEPS: usize = 256;
/// Largest `@n` weight.
pub const MAX_WEIGHT: i64 = 1024;
/// Largest `!n` replication count.
pub const MAX_REPLICATE: usize = 256;
/// Largest magnitude of a scale degree.
pub const MAX_DEGREE: i32 = 128;
/// Most modifiers (`*`, `/`, `@`, Euclid) on one step: each nests the tree one level, and
/// the tree is walked recursively, so this bounds recursion depth together with MAX_DEPTH.
pub const MAX_MODIFIERS: usize = 8;

/// A parsed pattern, ready to query.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub(crate) root: Arc<Node>,
    source: String,
}

impl Pattern {
    /// The source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The syntax tree.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// Every sound symbol the pattern can play (in any cycle), sorted and deduplicated.
    pub fn sounds(&self) -> Vec<String> {
        fn walk(node: &Node, out: &mut Vec<String>) {
            match node {
                Node::Rest => {}
                Node::Atom(a) => {
                    if let Value::Sound(s) = &a.value {
                        out.push(s.clone());
                    }
                }
                Node::Seq(steps) => steps.iter().for_each(|s| walk(&s.node, out)),
                Node::Stack(layers) => layers.iter().for_each(|l| walk(l, out)),
                Node::Fast(child, _) => walk(child, out),
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out.sort();
        out.dedup();
        out
    }
}

/// Parses mini-notation text.
pub fn parse_pattern(text: &str) -> Result<Pattern, PatternError> {
    let tokens = lex(text)?;
    let mut p = Parser {
        tokens,
        i: 0,
        depth: 0,
        rest: Arc::new(Node::Rest),
    };
    let layers = p.layers()?;
    p.close(None, 0)?;
    Ok(Pattern {
        root: Arc::new(stack(layers.into_iter().map(Node::Seq).collect())),
        source: text.to_owned(),
    })
}

fn stack(mut layers: Vec<Node>) -> Node {
    if layers.len() == 1 {
        layers.remove(0)
    } else {
        Node::Stack(layers)
    }
}

struct Parser {
    tokens: Vec<Token>,
    i: usize,
    depth: usize,
    rest: Arc<Node>,
}

/// Parses an unsigned decimal (`3`, `1.5`, `0.25`) exactly; None if malformed.
fn parse_decimal(text: &str) -> Option<Fraction> {
    let (int_part, frac_part) = text.split_once('.').unwrap_or((text, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(int_part) || !digits(frac_part) || int_part.len() > 9 || frac_part.len() > 6 {
        return None;
    }
    let whole: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let frac: i64 = if frac_part.is_empty() {
        0
    } else {
        frac_part.parse().ok()?
    };
    let scale = 10i64.pow(frac_part.len() as u32);
    Fraction::new(whole * scale + frac, scale)
}

impl Parser {
    fn peek(&self) -> &Token {
        // The lexer always ends with End and the parser never advances past it.
        &self.tokens[self.i.min(self.tokens.len() - 1)]
    }

    fn advance(&mut self) -> Token {
        let t = self.peek().clone();
        if t.tok != Tok::End {
            self.i += 1;
        }
        t
    }

    fn error(&self, expected: impl Into<String>) -> PatternError {
        let t = self.peek();
        PatternError::new(t.position, expected, t.tok.describe())
    }

    fn layers(&mut self) -> Result<Vec<Vec<Step>>, PatternError> {
        let mut layers = vec![self.sequence()?];
        while self.peek().tok == Tok::Sym(',') {
            self.advance();
            layers.push(self.sequence()?);
        }
        Ok(layers)
    }

    /// Consumes the closing bracket (or the end of input for the top level).
    fn close(&mut self, closer: Option<char>, open_position: usize) -> Result<(), PatternError> {
        match closer {
            Some(c) if self.peek().tok == Tok::Sym(c) => {
                self.advance();
                Ok(())
            }
            Some(c) => Err(self.error(format!(
                "'{c}' to close the bracket at character {open_position}"
            ))),
            None if self.peek().tok == Tok::End => Ok(()),
            None => Err(self.error("a step, ',' or the end of the pattern")),
        }
    }

    fn sequence(&mut self) -> Result<Vec<Step>, PatternError> {
        let mut steps: Vec<Step> = Vec::new();
        loop {
            let t = self.peek().clone();
            match t.tok {
                Tok::Sym('_') => {
                    let Some(last) = steps.last_mut() else {
                        return Err(self.error("a step before '_'"));
                    };
                    last.weight = last
                        .weight
                        .checked_add(Fraction::ONE)
                        .filter(|w| *w <= Fraction::int(MAX_WEIGHT))
                        .ok_or_else(|| self.error(format!("a total weight up to {MAX_WEIGHT}")))?;
                    self.advance();
                }
                Tok::Sym('!') => {
                    let Some(last) = steps.last().cloned() else {
                        return Err(self.error("a step before '!'"));
                    };
                    self.advance();
                    let next = self.peek().clone();
                    let copies = match next.tok {
                        Tok::Word(ref w) if !next.spaced => {
                            let n = w
                                .parse::<usize>()
                                .ok()
                                .filter(|n| (1..=MAX_REPLICATE).contains(n))
                                .ok_or_else(|| {
                                    self.error(format!(
                                        "a replication count from 1 to {MAX_REPLICATE}"
                                    ))
                                })?;
                            self.advance();
                            n - 1
                        }
                        _ => 1,
                    };
                    for _ in 0..copies {
                        if steps.len() > MAX_STEPS {
                            break;
                        }
                        steps.push(last.clone());
                    }
                }
                Tok::Sym('~') | Tok::Sym('[') | Tok::Sym('<') | Tok::Word(_) => {
                    steps.push(self.step()?);
                }
                Tok::Sym(',') | Tok::Sym(']') | Tok::Sym('>') | Tok::End if !steps.is_empty() => {
                    break
                }
                _ => return Err(self.error("a step (sound, note, '~', '[' or '<')")),
            }
            if steps.len() > MAX_STEPS {
                return Err(self.error(format!("at most {MAX_STEPS} steps in a sequence")));
            }
        }
        Ok(steps)
    }

    fn factor(&mut self, op: char) -> Result<Fraction, PatternError> {
        let t = self.peek().clone();
        let expected = format!("a number from 1/{MAX_FACTOR} to {MAX_FACTOR} after '{op}'");
        let Tok::Word(w) = &t.tok else {
            return Err(self.error(expected));
        };
        let f = parse_decimal(w)
            .filter(|f| f.is_positive() && *f <= Fraction::int(MAX_FACTOR))
            .filter(|f| {
                f.checked_mul(Fraction::int(MAX_FACTOR))
                    .is_some_and(|x| x >= Fraction::ONE)
            })
            .ok_or_else(|| self.error(expected))?;
        self.advance();
        Ok(f)
    }

    fn integer(
        &mut self,
        expected: &str,
        range: std::ops::RangeInclusive<usize>,
    ) -> Result<usize, PatternError> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Word(w) => {
                let n = w
                    .parse::<usize>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .ok_or_else(|| self.error(expected))?;
                self.advance();
                Ok(n)
            }
            _ => Err(self.error(expected)),
        }
    }

    fn expect_sym(&mut self, c: char, expected: &str) -> Result<(), PatternError> {
        if self.peek().tok == Tok::Sym(c) {
            self.advance();
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    fn step(&mut self) -> Result<Step, PatternError> {
        let mut node = self.term()?;
        let mut weight = Fraction::ONE;
        let mut modifiers = 0;
        loop {
            if matches!(self.peek().tok, Tok::Sym('*' | '/' | '@' | '(')) {
                modifiers += 1;
                if modifiers > MAX_MODIFIERS {
                    return Err(
                        self.error(format!("at most {MAX_MODIFIERS} modifiers on one step"))
                    );
                }
            }
            match self.peek().tok {
                Tok::Sym('*') => {
                    self.advance();
                    let f = self.factor('*')?;
                    node = Node::Fast(Arc::new(node), f);
                }
                Tok::Sym('/') => {
                    self.advance();
                    let f = self.factor('/')?;
                    // factor() bounds f to [1/128, 128], so the reciprocal exists.
                    let inv = Fraction::ONE.checked_div(f).unwrap_or(Fraction::ONE);
                    node = Node::Fast(Arc::new(node), inv);
                }
                Tok::Sym('@') => {
                    self.advance();
                    let expected = format!("a weight above 0 and up to {MAX_WEIGHT} after '@'");
                    let w = match &self.peek().tok {
                        Tok::Word(w) => parse_decimal(w),
                        _ => None,
                    }
                    .filter(|w| w.is_positive() && *w <= Fraction::int(MAX_WEIGHT))
                    .ok_or_else(|| self.error(expected))?;
                    self.advance();
                    weight = w;
                }
                Tok::Sym('(') => {
                    self.advance();
                    let n_expected = format!("a step count from 1 to {MAX_EUCLID_STEPS}");
                    let k = self.integer(
                        &format!("an onset count from 0 to {MAX_EUCLID_STEPS}"),
                        0..=MAX_EUCLID_STEPS,
                    )?;
                    self.expect_sym(',', "',' between the Euclid onsets and steps")?;
                    let n_pos = self.peek().position;
                    let n = self.integer(&n_expected, 1..=MAX_EUCLID_STEPS)?;
                    if k > n {
                        return Err(PatternError::new(
                            n_pos,
                            format!("a step count of at least the {k} onsets"),
                            n.to_string(),
                        ));
                    }
                    let rotation = if self.peek().tok == Tok::Sym(',') {
                        self.advance();
                        self.integer(
                            &format!("a rotation from 0 to {MAX_EUCLID_STEPS}"),
                            0..=MAX_EUCLID_STEPS,
                        )?
                    } else {
                        0
                    };
                    self.expect_sym(')', "')' after the Euclid arguments")?;
                    let child = Arc::new(node);
                    let steps = bjorklund(k, n, rotation)
                        .into_iter()
                        .map(|hit| Step {
                            node: if hit {
                                child.clone()
                            } else {
                                self.rest.clone()
                            },
                            weight: Fraction::ONE,
                        })
                        .collect();
                    node = Node::Seq(steps);
                }
                Tok::Sym(':') => {
                    return Err(self.error("a velocity directly after a sound or note"))
                }
                _ => break,
            }
        }
        Ok(Step {
            node: Arc::new(node),
            weight,
        })
    }

    fn term(&mut self) -> Result<Node, PatternError> {
        let t = self.peek().clone();
        match t.tok {
            Tok::Sym('~') => {
                self.advance();
                Ok(Node::Rest)
            }
            Tok::Sym(open @ ('[' | '<')) => {
                if self.depth >= MAX_DEPTH {
                    return Err(self.error(format!("at most {MAX_DEPTH} nested brackets")));
                }
                self.depth += 1;
                self.advance();
                let layers = self.layers()?;
                let closer = if open == '[' { ']' } else { '>' };
                self.close(Some(closer), t.position)?;
                self.depth -= 1;
                let nodes = if open == '[' {
                    layers.into_iter().map(Node::Seq).collect()
                } else {
                    // `<a b c>` plays one step per cycle: the sequence slowed by its total weight.
                    let mut nodes = Vec::with_capacity(layers.len());
                    for steps in layers {
                        let total = steps
                            .iter()
                            .try_fold(Fraction::ZERO, |acc, s| acc.checked_add(s.weight))
                            .and_then(|w| Fraction::ONE.checked_div(w))
                            .ok_or_else(|| {
                                PatternError::new(
                                    t.position,
                                    "a smaller total weight",
                                    "an overflow",
                                )
                            })?;
                        nodes.push(Node::Fast(Arc::new(Node::Seq(steps)), total));
                    }
                    nodes
                };
                Ok(stack(nodes))
            }
            Tok::Word(ref w) => {
                self.advance();
                let value = parse_word(w).ok_or_else(|| {
                    PatternError::new(
                        t.position,
                        "a sound (bd), note name with octave (c3, eb4) or integer degree",
                        format!("{w:?}"),
                    )
                })?;
                let mut velocity = None;
                if self.peek().tok == Tok::Sym(':') && !self.peek().spaced {
                    self.advance();
                    let v = match &self.peek().tok {
                        Tok::Word(v) if !self.peek().spaced => parse_decimal(v),
                        _ => None,
                    }
                    .filter(|v| *v <= Fraction::ONE)
                    .ok_or_else(|| self.error("a velocity from 0 to 1 after ':'"))?;
                    self.advance();
                    velocity = Some(v.to_f64() as f32);
                }
                Ok(Node::Atom(Atom {
                    value,
                    velocity,
                    position: t.position,
                }))
            }
            _ => Err(self.error("a step (sound, note, '~', '[' or '<')")),
        }
    }
}

/// Interprets a word as a degree, a note or a sound symbol.
fn parse_word(w: &str) -> Option<Value> {
    let digits = w.strip_prefix('-').unwrap_or(w);
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return w
            .parse::<i32>()
            .ok()
            .filter(|d| d.abs() <= MAX_DEGREE)
            .map(Value::Degree);
    }
    let first = w.chars().next()?;
    if !first.is_ascii_alphabetic() {
        return None;
    }
    // A word ending in an octave number after a valid pitch class is a note (`c3`, `eb4`).
    if w.chars().last().is_some_and(|c| c.is_ascii_digit()) {
        if let Ok(midi) = parse_note(w) {
            return Some(Value::Note(midi));
        }
    }
    if w.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Some(Value::Sound(w.to_ascii_lowercase()));
    }
    None
}
