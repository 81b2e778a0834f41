//! Preset search for now: filters by role and tag, and a case-insensitive word match of the
//! query over name, tags and description, ranked by matches. The semantic search of a later
//! issue replaces [`rank`] and keeps its signature.

use crate::catalogue::PresetEntry;

/// What to look for; empty fields do not filter.
#[derive(Debug, Default, Clone)]
pub struct SearchQuery {
    /// Free words.
    pub query: Option<String>,
    /// Role name (`bass`, `pad`, ...).
    pub role: Option<String>,
    /// One tag, matched whole and case-insensitively.
    pub tag: Option<String>,
}

/// A name hit counts more than a tag hit, which counts more than a description hit: the
/// name is what people search for, the description mentions many things in passing.
const NAME_WEIGHT: u32 = 3;
const TAG_WEIGHT: u32 = 2;
const DESCRIPTION_WEIGHT: u32 = 1;
/// Longest query considered; longer input is cut (hostile input must not cost unbounded work).
pub const MAX_QUERY_WORDS: usize = 32;

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The matching presets, best first (score, then id); without a query, every preset that
/// passes the filters, in id order.
pub fn rank<'a>(entries: &'a [PresetEntry], q: &SearchQuery) -> Vec<&'a PresetEntry> {
    let query_words: Vec<String> = q
        .query
        .as_deref()
        .map(words)
        .unwrap_or_default()
        .into_iter()
        .take(MAX_QUERY_WORDS)
        .collect();
    let role = q
        .role
        .as_deref()
        .map(|r| r.trim().to_lowercase())
        .filter(|r| !r.is_empty());
    let tag = q
        .tag
        .as_deref()
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty());
    let mut scored: Vec<(u32, &PresetEntry)> = entries
        .iter()
        .filter(|e| role.as_deref().is_none_or(|r| e.preset.role.name() == r))
        .filter(|e| {
            tag.as_deref()
                .is_none_or(|t| e.preset.tags.iter().any(|pt| pt.to_lowercase() == t))
        })
        .filter_map(|e| {
            if query_words.is_empty() {
                return Some((0, e));
            }
            let name = words(&e.preset.name);
            let tags: Vec<String> = e.preset.tags.iter().flat_map(|t| words(t)).collect();
            let description = words(&e.preset.description);
            let id = words(&e.id);
            let score: u32 = query_words
                .iter()
                .map(|w| {
                    let named = name.contains(w) || id.contains(w);
                    u32::from(named) * NAME_WEIGHT
                        + u32::from(tags.contains(w)) * TAG_WEIGHT
                        + u32::from(description.contains(w)) * DESCRIPTION_WEIGHT
                })
                .sum();
            (score > 0).then_some((score, e))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
    scored.into_iter().map(|(_, e)| e).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    #[test]
    fn role_filter_keeps_only_that_role() {
        let cat = Catalogue::load(None).unwrap();
        let q = SearchQuery {
            role: Some("BASS".into()),
            ..Default::default()
        };
        let hits = rank(cat.entries(), &q);
        assert!(!hits.is_empty());
        assert!(hits.iter().all(|e| e.preset.role.name() == "bass"));
    }

    #[test]
    fn query_ranks_name_matches_first_and_drops_non_matches() {
        let cat = Catalogue::load(None).unwrap();
        let q = SearchQuery {
            query: Some("kick".into()),
            ..Default::default()
        };
        let hits = rank(cat.entries(), &q);
        assert!(!hits.is_empty());
        let first_name = hits[0].preset.name.to_lowercase();
        assert!(first_name.contains("kick") || hits[0].id.contains("kick"));
        let none = SearchQuery {
            query: Some("zzqqxx".into()),
            ..Default::default()
        };
        assert_eq!(rank(cat.entries(), &none).len(), 0);
    }
}
