//! Semantic preset search: what a producer types ("warm pad", "dark punchy bass") against
//! what presets say about themselves (name, tags, description) **and** what they measure
//! (acoustic descriptors from their rendered previews).
//!
//! [`SearchIndex::build`] tokenises and stems every document once; [`SearchIndex::rank`] is a
//! pure function of the index and the query, allocation-light and linear in the number of
//! presets (5000 presets answer in well under a millisecond; `examples/search_latency.rs`).
//! A query is read as:
//!
//! 1. words (at most [`MAX_QUERY_WORDS`] of the first [`MAX_QUERY_BYTES`] bytes), stop words
//!    dropped, each stemmed ([`text::stem`]);
//! 2. role words (`pad`, `basses`, `sub`, `drums`) become a role filter (unless the request
//!    names a role itself);
//! 3. a word found nowhere is corrected to the nearest known word within one edit (two for
//!    words of eight letters or more; optimal string alignment distance, `strsim`);
//! 4. each word matches its own stem at full weight and the other words of its lexicon
//!    groups at [`SYNONYM_WEIGHT`]; the groups with descriptor terms make the descriptor
//!    part of the query.
//!
//! Words fall in two kinds. A **descriptor word** (its lexicon group has descriptor terms:
//! warm, bright, punchy, wide, evolving...) is scored by what the preset *measures*: the
//! mean of its groups' concept scores, each the weighted mean of the preset's percentiles
//! within its role ([`table`]) in the directions the group asks, plus a small bonus when the
//! preset's text says the word and the measurement agrees ([`SearchIndex::word_sound`]).
//! Descriptor words combine by a soft AND (weighted harmonic mean). A **plain word** (acid,
//! 808, supersaw, any name or tag) is scored by text: `1 - Π(1 - field weight × match)` over
//! name, tags and description ([`FIELD_WEIGHTS`]), averaged over the plain words. A query
//! with both kinds scores `TEXT_WEIGHT × text + DESCRIPTOR_WEIGHT × sound`; with one kind,
//! that kind's score. `docs/search.md` has the reasoning and a worked example.

pub mod lexicon;
pub mod table;
pub mod text;

use std::collections::HashMap;
use std::sync::Arc;

use tonewheel_analysis::Descriptors;
use tonewheel_audio::Role;

use self::lexicon::{Direction, Lexicon};
use self::table::DescriptorTable;
use self::text::{has_digit, stem, words};

/// What to look for; empty fields do not filter.
#[derive(Debug, Default, Clone)]
pub struct SearchQuery {
    /// Free words.
    pub query: Option<String>,
    /// Role name (`bass`, `pad`, ...); when given, role words in the query do not filter.
    pub role: Option<String>,
    /// One tag, matched whole and case-insensitively.
    pub tag: Option<String>,
}

/// One searchable preset.
#[derive(Debug, Clone)]
pub struct SearchDoc {
    /// Stable id (its words count as name words).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Tags.
    pub tags: Vec<String>,
    /// Description.
    pub description: String,
}

/// Longest query read, bytes; the rest is ignored (hostile input must cost bounded work).
pub const MAX_QUERY_BYTES: usize = 1024;
/// Most query words read.
pub const MAX_QUERY_WORDS: usize = 16;
/// Most words indexed per document field.
pub const MAX_FIELD_WORDS: usize = 256;
/// Weight of a match in the name (or id), the tags and the description: the name is what a
/// preset is, tags are chosen words, a description mentions many things in passing.
pub const FIELD_WEIGHTS: [f32; 3] = [0.7, 0.6, 0.3];
/// A synonym (same lexicon group) counts this much of an exact match.
pub const SYNONYM_WEIGHT: f32 = 0.5;
/// A word corrected by one edit counts this much; by two edits, [`TYPO_WEIGHT_2`].
pub const TYPO_WEIGHT_1: f32 = 0.8;
/// See [`TYPO_WEIGHT_1`].
pub const TYPO_WEIGHT_2: f32 = 0.6;
/// Shortest word corrected for typos (shorter words are too close to too many others).
pub const MIN_TYPO_CHARS: usize = 4;
/// Words of at least this many characters may be two edits away.
pub const TWO_EDIT_CHARS: usize = 8;
/// Share of the text score in the final score when the query has descriptor words.
pub const TEXT_WEIGHT: f32 = 0.5;
/// Share of the descriptor score; the two add up to 1.
pub const DESCRIPTOR_WEIGHT: f32 = 0.5;
/// Descriptor score given to presets not measured yet (the middle of their role).
pub const UNMEASURED: f32 = 0.5;
/// Most a descriptor word's text match adds to what the preset measures.
pub const CLAIM_BONUS: f32 = 0.1;
/// Concept score (percentile within the role) at which a descriptor word's text match
/// earns its full bonus: the upper quarter.
pub const AGREEMENT_FULL: f32 = 0.75;
/// Concept score at and below which a descriptor word's text match earns nothing: the
/// median (a claim the measurement does not support).
pub const AGREEMENT_NONE: f32 = 0.5;
/// Floor of a concept score in the soft AND (keeps it finite).
pub const CONCEPT_FLOOR: f32 = 0.01;
/// A preset matching no query word is still a result when its descriptor score is above
/// this: it measures like the words even if it is not described with them.
pub const DESCRIPTOR_MATCH_MIN: f32 = 0.5;

const NAME: usize = 0;
const TAG: usize = 1;
const DESCRIPTION: usize = 2;

/// One result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Index of the document in the order given to [`SearchIndex::build`].
    pub doc: usize,
    /// Final score, 0..1 (1 for a role-only query).
    pub score: f32,
    /// Text part, 0..1.
    pub text_score: f32,
    /// Descriptor part, 0..1, when the query has descriptor words and the preset is measured.
    pub descriptor_score: Option<f32>,
}

/// The results of one query and how it was read.
#[derive(Debug, Clone, Default)]
pub struct SearchResult {
    /// Matches, best first.
    pub hits: Vec<Hit>,
    /// Whether the query had any word at all (without one, hits are every preset passing the
    /// filters, in id order, and carry no meaningful score).
    pub ranked: bool,
    /// Roles read from the query's role words.
    pub roles: Vec<Role>,
    /// Typo corrections made: (as typed, read as).
    pub corrections: Vec<(String, String)>,
    /// Words that matched nothing and were ignored.
    pub ignored: Vec<String>,
}

/// A word as the query is scored with it.
#[derive(Debug)]
struct QueryWord {
    /// (term, match weight), best weight per term.
    matches: Vec<(u32, f32)>,
    /// The lexicon groups with descriptor terms the word belongs to: such a word is scored
    /// by what presets measure ([`SearchIndex::word_sound`]), its text match only adds a
    /// bonus where the measurement agrees.
    concepts: Vec<usize>,
    /// 1, or the typo weight of a corrected word.
    confidence: f32,
}

#[derive(Debug)]
struct TextIndex {
    terms: HashMap<String, u32>,
    /// Per term: (document, field bits).
    postings: Vec<Vec<(u32, u8)>>,
    roles: Vec<Role>,
    ids: Vec<String>,
    tags: Vec<Vec<String>>,
    /// Words of the documents as written (no digits), with their stems: typo targets.
    surface: Vec<(String, String)>,
}

/// The search index: text postings (built once) and the descriptor table (rebuilt when
/// descriptors arrive, sharing the text part).
#[derive(Debug, Clone)]
pub struct SearchIndex {
    lexicon: Arc<Lexicon>,
    text: Arc<TextIndex>,
    table: Arc<DescriptorTable>,
    quality: Arc<Vec<Option<f32>>>,
}

impl SearchIndex {
    /// Indexes `docs` (their order is the order of [`Hit::doc`]).
    pub fn build(docs: &[SearchDoc], lexicon: Arc<Lexicon>) -> SearchIndex {
        let mut terms: HashMap<String, u32> = HashMap::new();
        let mut postings: Vec<Vec<(u32, u8)>> = Vec::new();
        let mut surface: HashMap<String, String> = HashMap::new();
        for (d, doc) in docs.iter().enumerate() {
            let mut fields: HashMap<u32, u8> = HashMap::new();
            let tag_text = doc.tags.join(" ");
            let name_text = format!("{} {}", doc.name, doc.id);
            for (field, text) in [
                (NAME, name_text.as_str()),
                (TAG, tag_text.as_str()),
                (DESCRIPTION, doc.description.as_str()),
            ] {
                for w in words(text, MAX_FIELD_WORDS) {
                    if lexicon.is_stop(&w) {
                        continue;
                    }
                    let s = stem(&w);
                    let next = terms.len() as u32;
                    let id = *terms.entry(s.clone()).or_insert(next);
                    if id as usize == postings.len() {
                        postings.push(Vec::new());
                    }
                    *fields.entry(id).or_default() |= 1 << field;
                    if !has_digit(&w) && w.chars().count() >= 3 {
                        surface.entry(w).or_insert(s);
                    }
                }
            }
            let mut fields: Vec<(u32, u8)> = fields.into_iter().collect();
            fields.sort_unstable();
            for (term, bits) in fields {
                postings[term as usize].push((d as u32, bits));
            }
        }
        let mut surface: Vec<(String, String)> = surface.into_iter().collect();
        surface.sort();
        let text = TextIndex {
            terms,
            postings,
            roles: docs.iter().map(|d| d.role).collect(),
            ids: docs.iter().map(|d| d.id.clone()).collect(),
            tags: docs
                .iter()
                .map(|d| d.tags.iter().map(|t| t.trim().to_lowercase()).collect())
                .collect(),
            surface,
        };
        SearchIndex {
            lexicon,
            table: Arc::new(DescriptorTable::build(
                &text.roles.iter().map(|r| (*r, None)).collect::<Vec<_>>(),
            )),
            quality: Arc::new(vec![None; docs.len()]),
            text: Arc::new(text),
        }
    }

    /// The same index with these descriptors and quality scores (one per document, in
    /// document order; missing entries count as unmeasured).
    pub fn with_measurements(
        &self,
        descriptors: &[Option<&Descriptors>],
        quality: &[Option<f32>],
    ) -> SearchIndex {
        let docs: Vec<(Role, Option<&Descriptors>)> = self
            .text
            .roles
            .iter()
            .enumerate()
            .map(|(i, r)| (*r, descriptors.get(i).copied().flatten()))
            .collect();
        let n = self.text.roles.len();
        SearchIndex {
            lexicon: self.lexicon.clone(),
            text: self.text.clone(),
            table: Arc::new(DescriptorTable::build(&docs)),
            quality: Arc::new((0..n).map(|i| quality.get(i).copied().flatten()).collect()),
        }
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.text.roles.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.text.roles.is_empty()
    }

    /// Documents with descriptors.
    pub fn described(&self) -> usize {
        self.table.described()
    }

    /// Ranks the documents for `q` (see the module documentation).
    pub fn rank(&self, q: &SearchQuery) -> SearchResult {
        let mut result = SearchResult::default();
        let raw = q.query.as_deref().unwrap_or("");
        let raw = &raw[..floor_char_boundary(raw, MAX_QUERY_BYTES)];
        let query_words = self.plan(raw, &mut result);
        let role_param = q
            .role
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| r.parse::<Role>().map_err(|_| ()));
        let role_filter: Option<Vec<Role>> = match role_param {
            Some(Ok(role)) => Some(vec![role]),
            // An unknown role matches nothing (the HTTP route answers 400 before this).
            Some(Err(())) => Some(Vec::new()),
            None if !result.roles.is_empty() => Some(result.roles.clone()),
            None => None,
        };
        let tag = q
            .tag
            .as_deref()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty());
        let n = self.len();
        let passes = |d: usize| {
            role_filter
                .as_ref()
                .is_none_or(|roles| roles.contains(&self.text.roles[d]))
                && tag
                    .as_deref()
                    .is_none_or(|t| self.text.tags[d].iter().any(|pt| pt == t))
        };
        result.ranked = !query_words.is_empty() || !result.roles.is_empty();
        if query_words.is_empty() {
            // Nothing to score: every preset passing the filters, unless every word was
            // unknown (then nothing matches).
            if result.ignored.is_empty() || !result.roles.is_empty() {
                result.hits = (0..n)
                    .filter(|&d| passes(d))
                    .map(|doc| Hit {
                        doc,
                        score: 1.0,
                        text_score: 1.0,
                        descriptor_score: None,
                    })
                    .collect();
            }
            if result.ranked {
                self.sort(&mut result.hits);
            }
            return result;
        }

        let words = query_words.len();
        let text = self.text_scores(&query_words);
        let plain: Vec<usize> = (0..words)
            .filter(|&w| query_words[w].concepts.is_empty())
            .collect();
        let measured: Vec<usize> = (0..words)
            .filter(|&w| !query_words[w].concepts.is_empty())
            .collect();
        let mut hits = Vec::new();
        for d in (0..n).filter(|&d| passes(d)) {
            let t = &text[d * words..(d + 1) * words];
            let text_score = t.iter().sum::<f32>() / words as f32;
            let plain_score = (!plain.is_empty())
                .then(|| plain.iter().map(|&w| t[w]).sum::<f32>() / plain.len() as f32);
            let row = self.table.row(d);
            let sound = (!measured.is_empty()).then(|| {
                let parts: Vec<(f32, f32)> = measured
                    .iter()
                    .map(|&w| {
                        (
                            self.word_sound(row, &query_words[w], t[w]),
                            query_words[w].confidence,
                        )
                    })
                    .collect();
                soft_and(&parts)
            });
            let claimed = measured.iter().any(|&w| t[w] > 0.0);
            let matched = plain_score.is_some_and(|s| s > 0.0)
                || sound.is_some_and(|s| s > DESCRIPTOR_MATCH_MIN)
                || (plain.is_empty() && claimed);
            if !matched {
                continue;
            }
            let score = match (plain_score, sound) {
                (Some(p), Some(s)) => TEXT_WEIGHT * p + DESCRIPTOR_WEIGHT * s,
                (Some(p), None) => p,
                (None, Some(s)) => s,
                (None, None) => 0.0,
            };
            hits.push(Hit {
                doc: d,
                score,
                text_score,
                descriptor_score: sound.filter(|_| row.is_some()),
            });
        }
        self.sort(&mut hits);
        result.hits = hits;
        result
    }

    /// Best first: score, then quality (measured before unmeasured), then id.
    fn sort(&self, hits: &mut [Hit]) {
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| {
                    let qa = self.quality[a.doc].unwrap_or(-1.0);
                    let qb = self.quality[b.doc].unwrap_or(-1.0);
                    qb.total_cmp(&qa)
                })
                .then_with(|| self.text.ids[a.doc].cmp(&self.text.ids[b.doc]))
        });
    }

    /// Reads the query into scoring words and descriptor concepts, noting roles,
    /// corrections and ignored words in `result`.
    fn plan(&self, raw: &str, result: &mut SearchResult) -> Vec<QueryWord> {
        let mut planned = Vec::new();
        for w in words(raw, MAX_QUERY_WORDS) {
            if self.lexicon.is_stop(&w) {
                continue;
            }
            let s = stem(&w);
            let mut readings: Vec<(String, f32)> = Vec::new();
            if self.is_known(&s) {
                readings.push((s, 1.0));
            } else {
                let corrected = self.correct(&w);
                if corrected.is_empty() {
                    result.ignored.push(w);
                    continue;
                }
                result.corrections.push((
                    w,
                    corrected
                        .iter()
                        .map(|c| c.0.as_str())
                        .collect::<Vec<_>>()
                        .join("|"),
                ));
                readings = corrected.into_iter().map(|(_, s, c)| (s, c)).collect();
            }
            let mut matches: Vec<(u32, f32)> = Vec::new();
            let mut word_concepts: Vec<usize> = Vec::new();
            let mut is_role = false;
            for (s, confidence) in &readings {
                if let Some(roles) = self.lexicon.roles_of(s) {
                    is_role = true;
                    for r in roles {
                        if !result.roles.contains(r) {
                            result.roles.push(*r);
                        }
                    }
                    continue;
                }
                self.add_match(&mut matches, s, *confidence);
                for &g in self.lexicon.groups_of(s) {
                    let group = &self.lexicon.groups()[g];
                    for other in group.stems.iter().filter(|o| *o != s) {
                        self.add_match(&mut matches, other, confidence * SYNONYM_WEIGHT);
                    }
                    if !group.terms.is_empty() && !word_concepts.contains(&g) {
                        word_concepts.push(g);
                    }
                }
            }
            if !is_role {
                planned.push(QueryWord {
                    matches,
                    concepts: word_concepts,
                    confidence: readings.iter().map(|r| r.1).fold(0.0, f32::max),
                });
            }
        }
        planned
    }

    fn is_known(&self, stem: &str) -> bool {
        self.text.terms.contains_key(stem)
            || self.lexicon.roles_of(stem).is_some()
            || !self.lexicon.groups_of(stem).is_empty()
    }

    fn add_match(&self, matches: &mut Vec<(u32, f32)>, stem: &str, weight: f32) {
        let Some(&term) = self.text.terms.get(stem) else {
            return;
        };
        match matches.iter_mut().find(|m| m.0 == term) {
            Some(m) => m.1 = m.1.max(weight),
            None => matches.push((term, weight)),
        }
    }

    /// The nearest known words (as written, stem, confidence) to an unknown one, or none.
    fn correct(&self, word: &str) -> Vec<(String, String, f32)> {
        let len = word.chars().count();
        if len < MIN_TYPO_CHARS || has_digit(word) {
            return Vec::new();
        }
        let max = if len >= TWO_EDIT_CHARS { 2 } else { 1 };
        let mut best: Vec<(String, String, usize)> = Vec::new();
        let mut best_d = max + 1;
        let candidates = self
            .text
            .surface
            .iter()
            .chain(self.lexicon.surface_words().iter());
        for (surface, s) in candidates {
            let other = surface.chars().count();
            if other.abs_diff(len) > max.min(best_d) {
                continue;
            }
            let d = strsim::osa_distance(word, surface);
            if d < best_d {
                best_d = d;
                best.clear();
            }
            if d == best_d && d <= max && !best.iter().any(|b| b.1 == *s) {
                best.push((surface.clone(), s.clone(), d));
            }
        }
        best.truncate(3);
        best.into_iter()
            .map(|(w, s, d)| (w, s, if d <= 1 { TYPO_WEIGHT_1 } else { TYPO_WEIGHT_2 }))
            .collect()
    }

    /// Text score of every document for every word: `out[doc * words + word]`, 0..1.
    fn text_scores(&self, query_words: &[QueryWord]) -> Vec<f32> {
        let n = self.len();
        let words = query_words.len();
        let mut out = vec![0.0f32; n * words];
        let mut best = vec![[0.0f32; 3]; n];
        let mut touched: Vec<u32> = Vec::new();
        for (w, qw) in query_words.iter().enumerate() {
            for &(term, weight) in &qw.matches {
                for &(doc, bits) in &self.text.postings[term as usize] {
                    let slot = &mut best[doc as usize];
                    if *slot == [0.0; 3] {
                        touched.push(doc);
                    }
                    for (f, s) in slot.iter_mut().enumerate() {
                        if bits & (1 << f) != 0 {
                            *s = s.max(weight);
                        }
                    }
                }
            }
            for &doc in &touched {
                let slot = &mut best[doc as usize];
                let miss: f32 = slot
                    .iter()
                    .zip(FIELD_WEIGHTS)
                    .map(|(m, w)| 1.0 - w * m)
                    .product();
                out[doc as usize * words + w] = 1.0 - miss;
                *slot = [0.0; 3];
            }
            touched.clear();
        }
        out
    }

    /// How a preset sounds like a descriptor word, 0..1: the mean of its concept scores
    /// (percentiles within its role in the directions the word's groups ask), plus
    /// [`CLAIM_BONUS`] × its text match where the measurement agrees (scaled from 0 at the
    /// median, [`AGREEMENT_NONE`], to 1 at [`AGREEMENT_FULL`]): a preset that says "bright"
    /// and measures bright beats one that only measures bright, one that says it and measures
    /// dark gains nothing. Unmeasured presets have only their text: `0.5 + 0.5 × text`.
    fn word_sound(&self, row: Option<&table::Row>, word: &QueryWord, text: f32) -> f32 {
        let Some(row) = row else {
            return UNMEASURED + (1.0 - UNMEASURED) * text;
        };
        let scores: Vec<f32> = word
            .concepts
            .iter()
            .filter_map(|&g| self.concept_score(row, g))
            .collect();
        if scores.is_empty() {
            return UNMEASURED + (1.0 - UNMEASURED) * text;
        }
        let p = scores.iter().sum::<f32>() / scores.len() as f32;
        let agreement = ((p - AGREEMENT_NONE) / (AGREEMENT_FULL - AGREEMENT_NONE)).clamp(0.0, 1.0);
        (p + CLAIM_BONUS * text * agreement).min(1.0)
    }

    /// Weighted mean of one group's term percentiles, each in the direction it asks;
    /// `None` when none of its descriptors was measurable.
    fn concept_score(&self, row: &table::Row, group: usize) -> Option<f32> {
        let (mut s, mut w) = (0.0f32, 0.0f32);
        for t in &self.lexicon.groups()[group].terms {
            let p = row[t.descriptor.index()];
            if p.is_nan() {
                continue;
            }
            let p = match t.direction {
                Direction::High => p,
                Direction::Low => 1.0 - p,
            };
            s += t.weight as f32 * p;
            w += t.weight as f32;
        }
        (w > 0.0).then(|| s / w)
    }
}

/// Soft AND of (score, weight) pairs: their weighted harmonic mean (each floored at
/// [`CONCEPT_FLOOR`]). "dark punchy" wants both: the weaker one dominates, so being very
/// punchy does not make up for being bright as an arithmetic mean would let it, yet, unlike
/// a minimum, the stronger one still counts.
fn soft_and(parts: &[(f32, f32)]) -> f32 {
    let (mut inverse, mut weights) = (0.0f32, 0.0f32);
    for &(s, w) in parts {
        inverse += w / s.max(CONCEPT_FLOOR);
        weights += w;
    }
    if inverse > 0.0 {
        weights / inverse
    } else {
        0.0
    }
}

/// The largest char boundary of `s` at or below `max` bytes.
fn floor_char_boundary(s: &str, max: usize) -> usize {
    if s.len() <= max {
        return s.len();
    }
    (0..=max)
        .rev()
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
