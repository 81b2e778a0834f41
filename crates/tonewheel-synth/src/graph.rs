//! Graph analysis done once at compile time: cycle checks, processing order and scopes.

use crate::preset::Connection;

/// Finds a cycle of audio connections that does not pass through a `delay` stage (a delay
/// is the only stage whose input may be fed back, one block later). Returns the stage
/// indices along the cycle.
pub fn find_cycle_without_delay(
    n: usize,
    connections: &[Connection],
    type_name: &dyn Fn(usize) -> &'static str,
) -> Option<Vec<usize>> {
    // Edges into delay stages are allowed to close loops, so leave them out and look for
    // any remaining cycle.
    let edges: Vec<(usize, usize)> = connections
        .iter()
        .filter(|c| type_name(c.to) != "delay")
        .map(|c| (c.from, c.to))
        .collect();
    let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut stack = Vec::new();
    fn visit(
        v: usize,
        edges: &[(usize, usize)],
        state: &mut [u8],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        state[v] = 1;
        stack.push(v);
        for &(a, b) in edges.iter().filter(|e| e.0 == v) {
            let _ = a;
            if state[b] == 1 {
                let start = stack.iter().position(|&x| x == b).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(b);
                return Some(cycle);
            }
            if state[b] == 0 {
                if let Some(c) = visit(b, edges, state, stack) {
                    return Some(c);
                }
            }
        }
        stack.pop();
        state[v] = 2;
        None
    }
    for v in 0..n {
        if state[v] == 0 {
            if let Some(c) = visit(v, &edges, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

/// A processing order in which every stage comes after the stages feeding it, except for
/// feedback edges into delay stages (which read the previous block). Modulation sources are
/// ordered before their targets too.
pub fn processing_order(
    n: usize,
    edges: &[(usize, usize)],
    is_delay: &dyn Fn(usize) -> bool,
) -> Vec<usize> {
    // Kahn's algorithm over edges that do not close a loop into a delay. First drop edges
    // into delays that lie on a cycle: an edge (a -> d) closes a loop if d reaches a.
    let reaches = |from: usize, to: usize| -> bool {
        let mut seen = vec![false; n];
        let mut todo = vec![from];
        while let Some(v) = todo.pop() {
            if v == to {
                return true;
            }
            if std::mem::replace(&mut seen[v], true) {
                continue;
            }
            todo.extend(edges.iter().filter(|e| e.0 == v).map(|e| e.1));
        }
        false
    };
    let kept: Vec<(usize, usize)> = edges
        .iter()
        .copied()
        .filter(|&(a, b)| !(is_delay(b) && reaches(b, a)))
        .collect();
    let mut indegree = vec![0usize; n];
    for &(_, b) in &kept {
        indegree[b] += 1;
    }
    let mut ready: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    ready.reverse();
    let mut order = Vec::with_capacity(n);
    while let Some(v) = ready.pop() {
        order.push(v);
        for &(_, b) in kept.iter().filter(|e| e.0 == v) {
            indegree[b] -= 1;
            if indegree[b] == 0 {
                ready.push(b);
            }
        }
    }
    // Validation rejects other cycles, so every stage is ordered; append any leftovers
    // defensively in index order.
    for v in 0..n {
        if !order.contains(&v) {
            order.push(v);
        }
    }
    order
}
