//! The search lexicon (`knowledge/lexicon.json`, built into the program): stop words, role
//! words and synonym groups with their descriptor meaning. Loading validates everything and
//! names the JSON pointer of the first problem, so a bad edit fails the build's tests, not a
//! search.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Deserialize;
use tonewheel_analysis::Descriptor;
use tonewheel_audio::Role;

use super::text::stem;

/// The lexicon shipped with the program.
pub const BUILTIN_LEXICON: &str = include_str!("../../../../knowledge/lexicon.json");
/// The lexicon format this code reads.
pub const LEXICON_VERSION: u32 = 1;
/// Most words in one lexicon (over all lists): a lexicon is hand-written, not a dictionary.
pub const MAX_LEXICON_WORDS: usize = 10_000;
/// Largest weight of a descriptor term.
pub const MAX_TERM_WEIGHT: f64 = 10.0;

/// A lexicon that cannot be used, with the JSON pointer of the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LexiconError {
    /// Not JSON, or not the lexicon's shape.
    #[error("lexicon {pointer}: {message}{}", position(*line, *column))]
    Json {
        /// JSON pointer of the value that failed.
        pointer: String,
        /// Line of the problem (1-based), 0 when unknown.
        line: usize,
        /// Column of the problem (1-based), 0 when unknown.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// Well-formed but wrong.
    #[error("lexicon {pointer}: expected {expected}, found {found}")]
    Invalid {
        /// JSON pointer of the value.
        pointer: String,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
}

fn position(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(" (line {line}, column {column})")
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    version: u32,
    #[serde(default)]
    about: String,
    #[serde(default)]
    sources: BTreeMap<String, String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    roles: Vec<RoleFile>,
    #[serde(default)]
    groups: Vec<GroupFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    words: Vec<String>,
    roles: Vec<String>,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile {
    id: String,
    words: Vec<String>,
    #[serde(default)]
    descriptors: Vec<TermFile>,
    #[serde(default)]
    source: Vec<String>,
    reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TermFile {
    descriptor: String,
    direction: String,
    weight: f64,
}

/// Which end of a descriptor a word asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// High values (percentile near 1) match.
    High,
    /// Low values match.
    Low,
}

/// One descriptor term of a group: "warm" wants high [`Descriptor::Warmth`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DescriptorTerm {
    /// The descriptor.
    pub descriptor: Descriptor,
    /// Which end matches.
    pub direction: Direction,
    /// Weight among the group's terms.
    pub weight: f64,
}

/// A synonym group.
#[derive(Debug, Clone)]
pub struct Group {
    /// Stable id (`warm`).
    pub id: String,
    /// Stems of its words.
    pub stems: Vec<String>,
    /// What the words mean in descriptors (empty: text only).
    pub terms: Vec<DescriptorTerm>,
}

/// The validated lexicon, keyed by stem.
#[derive(Debug, Clone)]
pub struct Lexicon {
    stop: HashSet<String>,
    roles: HashMap<String, Vec<Role>>,
    groups: Vec<Group>,
    groups_of: HashMap<String, Vec<usize>>,
    /// Every word as written (for typo correction), with its stem.
    surface: Vec<(String, String)>,
}

fn invalid(pointer: String, expected: &str, found: impl std::fmt::Display) -> LexiconError {
    LexiconError::Invalid {
        pointer,
        expected: expected.to_string(),
        found: found.to_string(),
    }
}

/// A word as the tokeniser would produce it: one run of lower-case letters and digits.
fn check_word(word: &str, pointer: String) -> Result<(), LexiconError> {
    let ok = !word.is_empty()
        && word.chars().count() <= super::text::MAX_WORD_CHARS
        && word
            .chars()
            .all(|c| c.is_alphanumeric() && !c.is_uppercase());
    if ok {
        Ok(())
    } else {
        Err(invalid(
            pointer,
            "one lower-case word of letters and digits (at most 32)",
            format!("\"{word}\""),
        ))
    }
}

impl Lexicon {
    /// The lexicon built into the program.
    pub fn builtin() -> Result<Lexicon, LexiconError> {
        Lexicon::from_json(BUILTIN_LEXICON)
    }

    /// Parses and validates a lexicon document.
    pub fn from_json(text: &str) -> Result<Lexicon, LexiconError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let file: LexiconFile = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            LexiconError::Json {
                pointer: pointer_of(&path),
                line: inner.line(),
                column: inner.column(),
                message: inner.to_string(),
            }
        })?;
        Lexicon::validate(file)
    }

    fn validate(file: LexiconFile) -> Result<Lexicon, LexiconError> {
        if file.version != LEXICON_VERSION {
            return Err(invalid(
                "/version".into(),
                &LEXICON_VERSION.to_string(),
                file.version,
            ));
        }
        let _ = file.about;
        let total = file.stopwords.len()
            + file.roles.iter().map(|r| r.words.len()).sum::<usize>()
            + file.groups.iter().map(|g| g.words.len()).sum::<usize>();
        if total > MAX_LEXICON_WORDS {
            return Err(invalid(
                String::new(),
                &format!("at most {MAX_LEXICON_WORDS} words"),
                total,
            ));
        }
        let mut lexicon = Lexicon {
            stop: HashSet::new(),
            roles: HashMap::new(),
            groups: Vec::new(),
            groups_of: HashMap::new(),
            surface: Vec::new(),
        };
        for (i, word) in file.stopwords.iter().enumerate() {
            check_word(word, format!("/stopwords/{i}"))?;
            lexicon.stop.insert(word.clone());
        }
        let mut role_words: HashMap<String, String> = HashMap::new();
        for (i, entry) in file.roles.iter().enumerate() {
            if entry.reason.trim().is_empty() {
                return Err(invalid(format!("/roles/{i}/reason"), "a reason", "\"\""));
            }
            if entry.roles.is_empty() {
                return Err(invalid(
                    format!("/roles/{i}/roles"),
                    "at least one role",
                    "[]",
                ));
            }
            let mut roles = Vec::new();
            for (j, name) in entry.roles.iter().enumerate() {
                let role = name.parse::<Role>().map_err(|_| {
                    invalid(
                        format!("/roles/{i}/roles/{j}"),
                        "a role (pad, bass, lead, pluck, keys, arp, kick, snare, clap, hat, perc, fx)",
                        format!("\"{name}\""),
                    )
                })?;
                roles.push(role);
            }
            for (j, word) in entry.words.iter().enumerate() {
                let pointer = format!("/roles/{i}/words/{j}");
                check_word(word, pointer.clone())?;
                let s = stem(word);
                if lexicon.roles.get(&s).is_some_and(|r| *r != roles) {
                    return Err(invalid(
                        pointer,
                        "a word naming one set of roles",
                        format!("\"{word}\", also listed for other roles"),
                    ));
                }
                lexicon.roles.insert(s.clone(), roles.clone());
                role_words.insert(s.clone(), pointer);
                lexicon.surface.push((word.clone(), s));
            }
        }
        let mut ids = HashSet::new();
        for (i, g) in file.groups.iter().enumerate() {
            let at = |rest: &str| format!("/groups/{i}/{rest}");
            if g.id.trim().is_empty() || !ids.insert(g.id.clone()) {
                return Err(invalid(
                    at("id"),
                    "a unique, non-empty id",
                    format!("\"{}\"", g.id),
                ));
            }
            if g.reason.trim().is_empty() {
                return Err(invalid(at("reason"), "a reason", "\"\""));
            }
            for (j, key) in g.source.iter().enumerate() {
                if !file.sources.contains_key(key) {
                    return Err(invalid(
                        at(&format!("source/{j}")),
                        "a key of /sources",
                        format!("\"{key}\""),
                    ));
                }
            }
            if g.words.is_empty() {
                return Err(invalid(at("words"), "at least one word", "[]"));
            }
            let mut stems = Vec::new();
            for (j, word) in g.words.iter().enumerate() {
                let pointer = at(&format!("words/{j}"));
                check_word(word, pointer.clone())?;
                let s = stem(word);
                if let Some(role_pointer) = role_words.get(&s) {
                    return Err(invalid(
                        pointer,
                        "a word that is not a role word (role words filter, they do not score)",
                        format!("\"{word}\", a role word at {role_pointer}"),
                    ));
                }
                if !stems.contains(&s) {
                    stems.push(s.clone());
                }
                lexicon.surface.push((word.clone(), s));
            }
            let mut terms = Vec::new();
            for (j, t) in g.descriptors.iter().enumerate() {
                let at_term = |field: &str| at(&format!("descriptors/{j}/{field}"));
                let descriptor = Descriptor::from_name(&t.descriptor).ok_or_else(|| {
                    let names: Vec<&str> = Descriptor::ALL.iter().map(|d| d.name()).collect();
                    invalid(
                        at_term("descriptor"),
                        &format!("one of {}", names.join(", ")),
                        format!("\"{}\"", t.descriptor),
                    )
                })?;
                let direction = match t.direction.as_str() {
                    "high" => Direction::High,
                    "low" => Direction::Low,
                    other => {
                        return Err(invalid(
                            at_term("direction"),
                            "\"high\" or \"low\"",
                            format!("\"{other}\""),
                        ))
                    }
                };
                if !(t.weight > 0.0 && t.weight <= MAX_TERM_WEIGHT) {
                    return Err(invalid(
                        at_term("weight"),
                        &format!("a weight in (0, {MAX_TERM_WEIGHT}]"),
                        t.weight,
                    ));
                }
                terms.push(DescriptorTerm {
                    descriptor,
                    direction,
                    weight: t.weight,
                });
            }
            let index = lexicon.groups.len();
            for s in &stems {
                lexicon.groups_of.entry(s.clone()).or_default().push(index);
            }
            lexicon.groups.push(Group {
                id: g.id.clone(),
                stems,
                terms,
            });
        }
        lexicon.surface.sort();
        lexicon.surface.dedup();
        Ok(lexicon)
    }

    /// True for a stop word (as written, before stemming).
    pub fn is_stop(&self, word: &str) -> bool {
        self.stop.contains(word)
    }

    /// The roles a stem names, if it is a role word.
    pub fn roles_of(&self, stem: &str) -> Option<&[Role]> {
        self.roles.get(stem).map(Vec::as_slice)
    }

    /// The groups a stem belongs to.
    pub fn groups_of(&self, stem: &str) -> &[usize] {
        self.groups_of.get(stem).map_or(&[], Vec::as_slice)
    }

    /// Every group.
    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// Every lexicon word as written, with its stem (sorted).
    pub fn surface_words(&self) -> &[(String, String)] {
        &self.surface
    }
}

/// `serde_path_to_error` paths (`groups[3].words[1]`) as JSON pointers (`/groups/3/words/1`).
fn pointer_of(path: &str) -> String {
    if path == "." || path.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    for part in path.split('.') {
        let mut rest = part;
        while !rest.is_empty() {
            if let Some(open) = rest.find('[') {
                if open > 0 {
                    out.push('/');
                    out.push_str(&rest[..open]);
                }
                let close = rest[open..].find(']').map_or(rest.len(), |c| open + c);
                out.push('/');
                out.push_str(&rest[open + 1..close]);
                rest = rest.get(close + 1..).unwrap_or("");
            } else {
                out.push('/');
                out.push_str(rest);
                rest = "";
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(text: &str) -> String {
        Lexicon::from_json(text).unwrap_err().to_string()
    }

    #[test]
    fn the_builtin_lexicon_loads_with_its_groups_and_roles() {
        let lex = Lexicon::builtin().unwrap();
        assert_eq!(lex.roles_of("pad"), Some(&[Role::Pad][..]));
        assert_eq!(lex.roles_of(&stem("pads")), Some(&[Role::Pad][..]));
        assert_eq!(lex.roles_of("sub"), Some(&[Role::Bass][..]));
        assert_eq!(lex.roles_of(&stem("drums")).map(<[Role]>::len), Some(5));
        let warm: Vec<&str> = lex
            .groups_of("warm")
            .iter()
            .map(|&g| lex.groups()[g].id.as_str())
            .collect();
        assert_eq!(warm, ["warm"]);
        // soft is both warm (timbre) and soft (onset).
        assert_eq!(lex.groups_of("soft").len(), 2);
        assert!(lex.is_stop("the") && !lex.is_stop("warm"));
        for id in [
            "warm", "bright", "dark", "punchy", "wide", "evolving", "soft",
        ] {
            let g = lex.groups().iter().find(|g| g.id == id).unwrap();
            assert!(!g.terms.is_empty(), "{id} has descriptor terms");
        }
    }

    #[test]
    fn errors_name_the_json_pointer() {
        let e = error_of(
            r#"{"version": 1, "groups": [{"id": "x", "words": ["ok", "Two Words"], "reason": "r"}]}"#,
        );
        assert!(e.contains("/groups/0/words/1"), "{e}");
        let e = error_of(
            r#"{"version": 1, "groups": [{"id": "x", "words": ["w"], "reason": "r",
                 "descriptors": [{"descriptor": "loudness", "direction": "high", "weight": 1}]}]}"#,
        );
        assert!(
            e.contains("/groups/0/descriptors/0/descriptor") && e.contains("warmth"),
            "{e}"
        );
        let e = error_of(
            r#"{"version": 1, "groups": [{"id": "x", "words": ["w"], "reason": "r",
                 "descriptors": [{"descriptor": "width", "direction": "up", "weight": 1}]}]}"#,
        );
        assert!(e.contains("/groups/0/descriptors/0/direction"), "{e}");
        let e = error_of(
            r#"{"version": 1, "groups": [{"id": "x", "words": ["w"], "reason": "r",
                 "descriptors": [{"descriptor": "width", "direction": "low", "weight": 0}]}]}"#,
        );
        assert!(e.contains("/groups/0/descriptors/0/weight"), "{e}");
        let e = error_of(
            r#"{"version": 1, "roles": [{"words": ["pad"], "roles": ["pads"], "reason": "r"}]}"#,
        );
        assert!(e.contains("/roles/0/roles/0"), "{e}");
        let e = error_of(
            r#"{"version": 1, "roles": [{"words": ["pad"], "roles": ["pad"], "reason": "r"}],
                "groups": [{"id": "x", "words": ["pads"], "reason": "r"}]}"#,
        );
        assert!(
            e.contains("/groups/0/words/0") && e.contains("/roles/0/words/0"),
            "{e}"
        );
        let e = error_of(
            r#"{"version": 1, "groups": [{"id": "x", "words": ["w"], "reason": "r", "source": ["NOPE"]}]}"#,
        );
        assert!(e.contains("/groups/0/source/0"), "{e}");
        let e = error_of(
            r#"{"version": 1, "groups": [{"id": "x", "words": ["w"], "reason": "r"}, {"id": "x", "words": ["v"], "reason": "r"}]}"#,
        );
        assert!(e.contains("/groups/1/id"), "{e}");
        let e = error_of(r#"{"version": 2}"#);
        assert!(e.contains("/version"), "{e}");
        let e = error_of(r#"{"version": 1, "groups": [{"id": "x", "words": [3], "reason": "r"}]}"#);
        assert!(
            e.contains("/groups/0/words/0") && e.contains("line 1"),
            "{e}"
        );
        let e = error_of(r#"{"version": 1, "colour": "red"}"#);
        assert!(e.contains("colour"), "{e}");
        let e = error_of("not json");
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn pointers_convert_from_paths() {
        assert_eq!(pointer_of("groups[3].words[1]"), "/groups/3/words/1");
        assert_eq!(pointer_of("version"), "/version");
        assert_eq!(pointer_of("."), "");
    }
}
