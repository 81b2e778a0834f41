//! Words for search: splitting text into lower-case words, joining hyphenated compounds, and
//! a small English suffix stripper so that "plucks", "plucked" and "plucky" meet at "pluck".
//!
//! The stemmer is ours, not Porter's: search needs only to bring the inflections of a few
//! hundred sound words together, and a short rule list is easy to read and to test. Rules,
//! in order, the first that applies wins (a stem keeps at least three letters):
//!
//! | suffix | becomes | example |
//! |---|---|---|
//! | `ness` | — | `brightness` → `bright` |
//! | `ing` | — | `sweeping` → `sweep`, `evolving` → `evolv` |
//! | `ed` | — | `detuned` → `detun`, `distorted` → `distort` |
//! | `ly` | — | `softly` → `soft`, `sparkly` → `spark` |
//! | `ies` | `y` | `bodies` → `body` |
//! | `es` after `s x z ch sh` | — | `crashes` → `crash` |
//! | `s` (not `ss us is`) | — | `pads` → `pad`, `keys` → `key` |
//! | `y` after a consonant | — | `punchy` → `punch`, `airy` → `air` |
//!
//! then a final `e` is dropped (`evolve` → `evolv`, `tone` → `ton`), and a doubled final
//! consonant other than `l s z` is undoubled (`gritty` → `gritt` → `grit`). Words with
//! anything but ASCII letters are left as they are (numbers like `808` match exactly).

/// Longest word considered, in characters; longer "words" in hostile input are skipped.
pub const MAX_WORD_CHARS: usize = 32;
/// Shortest stem the suffix rules may leave.
const MIN_STEM: usize = 3;

/// Lower-case words of `text` (runs of letters and digits), with hyphen- or
/// apostrophe-joined compounds added whole (`lo-fi` gives `lo`, `fi` and `lofi`). At most
/// `max_words` words are returned; words longer than [`MAX_WORD_CHARS`] are skipped.
pub fn words(text: &str, max_words: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut compound = String::new();
    let mut parts = 0usize;
    let mut current = String::new();
    let flush_word = |current: &mut String, out: &mut Vec<String>| {
        if !current.is_empty() && current.chars().count() <= MAX_WORD_CHARS {
            out.push(std::mem::take(current));
        } else {
            current.clear();
        }
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if out.len() >= max_words {
            break;
        }
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
            continue;
        }
        let joins = (c == '-' || c == '\'') && chars.peek().is_some_and(|n| n.is_alphanumeric());
        if !current.is_empty() {
            compound.push_str(&current);
            parts += 1;
            flush_word(&mut current, &mut out);
        }
        if !joins {
            if parts > 1 && compound.chars().count() <= MAX_WORD_CHARS && out.len() < max_words {
                out.push(compound.clone());
            }
            compound.clear();
            parts = 0;
        }
    }
    if !current.is_empty() {
        compound.push_str(&current);
        parts += 1;
        flush_word(&mut current, &mut out);
    }
    if parts > 1 && compound.chars().count() <= MAX_WORD_CHARS && out.len() < max_words {
        out.push(compound);
    }
    out.truncate(max_words);
    out
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// The stem of one lower-case word (see the module documentation for the rules).
pub fn stem(word: &str) -> String {
    if !word.bytes().all(|b| b.is_ascii_lowercase()) || word.len() <= MIN_STEM {
        return word.to_string();
    }
    let mut w = word.to_string();
    let keep = |w: &str, suffix: &str| w.len() >= suffix.len() + MIN_STEM && w.ends_with(suffix);
    let strip = |w: &mut String, n: usize| w.truncate(w.len() - n);
    let es_after = ["ses", "xes", "zes", "ches", "shes"];
    // (suffix, bytes removed): the first rule that applies wins.
    let cut = if keep(&w, "ness") {
        4
    } else if keep(&w, "ing") || keep(&w, "ies") {
        3
    } else if keep(&w, "ed")
        || keep(&w, "ly")
        || (keep(&w, "es") && es_after.iter().any(|s| w.ends_with(s)))
    {
        2
    } else if (keep(&w, "s") && !["ss", "us", "is"].iter().any(|s| w.ends_with(s)))
        || (keep(&w, "y") && !is_vowel(w.as_bytes()[w.len() - 2]))
    {
        1
    } else {
        0
    };
    let was_ies = cut == 3 && w.ends_with("ies");
    strip(&mut w, cut);
    if was_ies {
        w.push('y');
    }
    if w.len() > MIN_STEM && w.ends_with('e') {
        strip(&mut w, 1);
    }
    let b = w.as_bytes();
    if b.len() > MIN_STEM {
        let (last, before) = (b[b.len() - 1], b[b.len() - 2]);
        if last == before && !is_vowel(last) && !matches!(last, b'l' | b's' | b'z') {
            strip(&mut w, 1);
        }
    }
    w
}

/// True when a word holds a digit: such words (`808`, `v00012`) match only exactly.
pub fn has_digit(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_lowercase_and_join_compounds() {
        assert_eq!(
            words("Lo-Fi Crushed Pad, TB-303's!", 32),
            ["lo", "fi", "lofi", "crushed", "pad", "tb", "303", "s", "tb303s"]
        );
        assert_eq!(words("hi-hat", 32), ["hi", "hat", "hihat"]);
        assert_eq!(words("Évolution ÇA", 32), ["évolution", "ça"]);
        assert!(words("!!! ??? ...", 32).is_empty());
        assert_eq!(words("a b c d e", 3), ["a", "b", "c"]);
        let long = "x".repeat(40);
        assert_eq!(words(&format!("{long} ok"), 32), ["ok"]);
    }

    #[test]
    fn inflections_meet_at_one_stem() {
        for group in [
            &["pluck", "plucks", "plucked", "plucky"][..],
            &["evolve", "evolving", "evolves", "evolved"],
            &["sweep", "sweeping", "sweeps"],
            &["punch", "punchy", "punches"],
            &["grit", "gritty"],
            &["detune", "detuned"],
            &["bright", "brightness"],
            &["dust", "dusty"],
            &["pad", "pads"],
            &["move", "moving", "moves"],
        ] {
            let stems: Vec<String> = group.iter().map(|w| stem(w)).collect();
            assert!(stems.iter().all(|s| *s == stems[0]), "{group:?}: {stems:?}");
        }
    }

    #[test]
    fn short_words_numbers_and_protected_endings_are_kept() {
        for w in [
            "bass", "glass", "key", "sub", "808", "air", "fm", "chorus", "bus",
        ] {
            let s = stem(w);
            assert!(s.len() >= 3.min(w.len()), "{w} -> {s}");
        }
        assert_eq!(stem("bass"), "bass");
        assert_eq!(stem("glass"), "glass");
        assert_eq!(stem("808"), "808");
        assert_eq!(stem("chorus"), "chorus");
        assert_eq!(stem("airy"), "air");
        assert_eq!(stem("keys"), "key");
        assert_eq!(stem("évolution"), "évolution");
        assert!(has_digit("v00012") && !has_digit("warm"));
    }
}
