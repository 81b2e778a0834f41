//! The pattern syntax tree and the values events carry.

use std::sync::Arc;

use crate::pattern::fraction::Fraction;

/// What an event plays.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A sound symbol (`bd`, `sd`, `hh`…): a drum-kit instrument maps it to a preset.
    Sound(String),
    /// A MIDI note from a note name (`c3`, `eb4`, `f#2`).
    Note(u8),
    /// A scale degree (`0 2 4`, 0-based as in Strudel's `n`), resolved with the key context.
    Degree(i32),
}

/// A playable atom: value, optional velocity (0..=1) and source position.
#[derive(Debug, Clone, PartialEq)]
pub struct Atom {
    /// The value.
    pub value: Value,
    /// Velocity 0..=1 from the `:v` suffix; None means the track's default.
    pub velocity: Option<f32>,
    /// Character index of the atom in the source.
    pub position: usize,
}

/// A node of the pattern tree; every node covers one cycle of its own time.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Silence (`~`).
    Rest,
    /// One event per cycle.
    Atom(Atom),
    /// Steps sharing a cycle in proportion to their weights (`a b@2 [c d]`).
    Seq(Vec<Step>),
    /// Layers played together (`a b, c d e`).
    Stack(Vec<Node>),
    /// The child sped up by a factor (`*n`; `/n` is a factor below one).
    Fast(Arc<Node>, Fraction),
}

/// A sequence step: a node and its relative length (`@n`, `_`).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The node played during the step (shared, so replication and Euclid copies cost nothing).
    pub node: Arc<Node>,
    /// Relative length (1 unless elongated).
    pub weight: Fraction,
}
