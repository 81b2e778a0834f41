//! Querying a pattern: the events whose onsets fall in a span of cycles, in exact time.

use crate::pattern::ast::{Node, Value};
use crate::pattern::error::QueryError;
use crate::pattern::fraction::Fraction;
use crate::pattern::parser::Pattern;

/// Most events one query may return.
pub const MAX_QUERY_EVENTS: usize = 1 << 16;
/// Most tree nodes one query may visit (bounds the work of deeply nested fast rests).
pub const MAX_QUERY_WORK: usize = 1 << 20;

/// One event: a value sounding from `begin` to `end` (cycles; 1 cycle = 1 bar).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Onset in cycles.
    pub begin: Fraction,
    /// End of the event's slot in cycles (the nominal note length).
    pub end: Fraction,
    /// What plays.
    pub value: Value,
    /// Velocity 0..=1 if the pattern gave one.
    pub velocity: Option<f32>,
    /// Character index of the atom in the pattern source.
    pub position: usize,
}

struct Ctx {
    out: Vec<Event>,
    work: usize,
}

/// Maps a node's local time to global cycles: `global = offset + local * scale`.
#[derive(Clone, Copy)]
struct Map {
    scale: Fraction,
    offset: Fraction,
}

impl Map {
    fn apply(self, local: Fraction) -> Option<Fraction> {
        self.offset.checked_add(local.checked_mul(self.scale)?)
    }
}

impl Pattern {
    /// Events with onsets in `[begin, end)`, sorted by onset then source position.
    pub fn query(&self, begin: Fraction, end: Fraction) -> Result<Vec<Event>, QueryError> {
        if end < begin {
            return Err(QueryError::InvalidSpan);
        }
        let mut ctx = Ctx {
            out: Vec::new(),
            work: 0,
        };
        let map = Map {
            scale: Fraction::ONE,
            offset: Fraction::ZERO,
        };
        query_node(&self.root, begin, end, map, &mut ctx)?;
        ctx.out
            .sort_by(|a, b| a.begin.cmp(&b.begin).then(a.position.cmp(&b.position)));
        Ok(ctx.out)
    }

    /// Events of cycle `n` (`[n, n+1)`).
    pub fn query_cycle(&self, n: i64) -> Result<Vec<Event>, QueryError> {
        self.query(
            Fraction::int(n),
            Fraction::int(n)
                .checked_add(Fraction::ONE)
                .ok_or(QueryError::Overflow)?,
        )
    }
}

fn query_node(
    node: &Node,
    lb: Fraction,
    le: Fraction,
    map: Map,
    ctx: &mut Ctx,
) -> Result<(), QueryError> {
    ctx.work += 1;
    if ctx.work > MAX_QUERY_WORK {
        return Err(QueryError::TooManyEvents {
            limit: MAX_QUERY_EVENTS,
        });
    }
    if lb >= le {
        return Ok(());
    }
    const OVF: QueryError = QueryError::Overflow;
    match node {
        Node::Rest => {}
        Node::Atom(a) => {
            for k in lb.ceil()..le.ceil() {
                if ctx.out.len() >= MAX_QUERY_EVENTS {
                    return Err(QueryError::TooManyEvents {
                        limit: MAX_QUERY_EVENTS,
                    });
                }
                let k = Fraction::int(k);
                ctx.out.push(Event {
                    begin: map.apply(k).ok_or(OVF)?,
                    end: map
                        .apply(k.checked_add(Fraction::ONE).ok_or(OVF)?)
                        .ok_or(OVF)?,
                    value: a.value.clone(),
                    velocity: a.velocity,
                    position: a.position,
                });
            }
        }
        Node::Stack(layers) => {
            for l in layers {
                query_node(l, lb, le, map, ctx)?;
            }
        }
        Node::Fast(child, f) => {
            let child_map = Map {
                scale: map.scale.checked_div(*f).ok_or(OVF)?,
                offset: map.offset,
            };
            query_node(
                child,
                lb.checked_mul(*f).ok_or(OVF)?,
                le.checked_mul(*f).ok_or(OVF)?,
                child_map,
                ctx,
            )?;
        }
        Node::Seq(steps) => {
            let total = steps
                .iter()
                .try_fold(Fraction::ZERO, |acc, s| acc.checked_add(s.weight))
                .ok_or(OVF)?;
            for k in lb.floor()..le.ceil() {
                ctx.work += 1;
                if ctx.work > MAX_QUERY_WORK {
                    return Err(QueryError::TooManyEvents {
                        limit: MAX_QUERY_EVENTS,
                    });
                }
                let kf = Fraction::int(k);
                let mut acc = Fraction::ZERO;
                for step in steps {
                    let o = acc;
                    acc = acc.checked_add(step.weight).ok_or(OVF)?;
                    // Step span in local time: [k + o/W, k + acc/W).
                    let s = kf
                        .checked_add(o.checked_div(total).ok_or(OVF)?)
                        .ok_or(OVF)?;
                    let e = kf
                        .checked_add(acc.checked_div(total).ok_or(OVF)?)
                        .ok_or(OVF)?;
                    let qb = lb.max(s);
                    let qe = le.min(e);
                    if qb >= qe {
                        continue;
                    }
                    // The child plays its cycle k inside the step: local = s + (c - k) * w/W.
                    let ratio = step.weight.checked_div(total).ok_or(OVF)?;
                    let to_child = |t: Fraction| -> Option<Fraction> {
                        kf.checked_add(t.checked_sub(s)?.checked_div(ratio)?)
                    };
                    let child_map = Map {
                        scale: map.scale.checked_mul(ratio).ok_or(OVF)?,
                        offset: map
                            .apply(
                                s.checked_sub(kf.checked_mul(ratio).ok_or(OVF)?)
                                    .ok_or(OVF)?,
                            )
                            .ok_or(OVF)?,
                    };
                    query_node(
                        &step.node,
                        to_child(qb).ok_or(OVF)?,
                        to_child(qe).ok_or(OVF)?,
                        child_map,
                        ctx,
                    )?;
                }
            }
        }
    }
    Ok(())
}
