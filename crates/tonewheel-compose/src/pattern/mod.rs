//! The pattern language: Tidal/Strudel mini-notation parsed into a tree and queried in exact
//! rational time (1 cycle = 1 bar).
//!
//! Supported (from the public Tidal and Strudel documentation): sequences, rests `~`,
//! groups `[ ]`, speed-up `*n`, slow-down `/n`, alternation `< >` (one step per cycle),
//! replication `!n` and `!`, elongation `@n` and `_`, polyphony `,` inside brackets,
//! Euclidean rhythms `(k,n,rotation)`, note names (`c3`, `eb4`, `f#2`, `cs3`), integer scale
//! degrees, sound symbols (`bd sd hh oh cp rim tom lt mt ht cy cr rd cb`…) and velocities
//! written `bd:0.8` (0..=1; in Tidal `:n` selects a sample, here it sets the velocity).
//!
//! ```
//! use tonewheel_compose::pattern::{parse_pattern, Value};
//! let p = parse_pattern("bd*2 [~ sd:0.7]").unwrap();
//! let events = p.query_cycle(0).unwrap();
//! assert_eq!(events.len(), 3);
//! assert_eq!(events[2].value, Value::Sound("sd".into()));
//! assert_eq!(events[2].begin.to_f64(), 0.75);
//! ```

mod ast;
mod error;
mod euclid;
mod evolve;
mod fraction;
mod lexer;
mod parser;
mod query;

pub use ast::{Atom, Node, Step, Value};
pub use error::{PatternError, QueryError};
pub use euclid::bjorklund;
pub use evolve::{evolve, EvolveError, EvolveOptions};
pub use fraction::Fraction;
pub use lexer::MAX_PATTERN_CHARS;
pub use parser::{
    parse_pattern, Pattern, MAX_DEPTH, MAX_EUCLID_STEPS, MAX_FACTOR, MAX_MODIFIERS, MAX_REPLICATE,
    MAX_STEPS, MAX_WEIGHT,
};
pub use query::{Event, MAX_QUERY_EVENTS, MAX_QUERY_WORK};

/// Drum symbols the default drum kit knows (Tidal/Strudel sample-name conventions).
pub const DRUM_SYMBOLS: [&str; 15] = [
    "bd", "sd", "hh", "oh", "cp", "rim", "tom", "lt", "mt", "ht", "cy", "cr", "rd", "cb", "sh",
];
