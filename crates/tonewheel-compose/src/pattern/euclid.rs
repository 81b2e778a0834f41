//! Euclidean rhythms: `k` onsets spread as evenly as possible over `n` steps.
//!
//! Bjorklund's algorithm as described by Toussaint, "The Euclidean Algorithm Generates
//! Traditional Musical Rhythms" (2005): repeatedly pair the onset groups with the remainder
//! groups until at most one remainder group is left. Written from the paper's description.

/// The rhythm `E(k, n)` rotated left by `rotation` steps (`true` = onset). `k >= n` gives all
/// onsets, `k == 0` none; `n == 0` gives an empty rhythm.
pub fn bjorklund(k: usize, n: usize, rotation: usize) -> Vec<bool> {
    if n == 0 {
        return Vec::new();
    }
    let mut out: Vec<bool> = if k == 0 || k >= n {
        vec![k > 0; n]
    } else {
        let mut a: Vec<Vec<bool>> = vec![vec![true]; k];
        let mut b: Vec<Vec<bool>> = vec![vec![false]; n - k];
        loop {
            let m = a.len().min(b.len());
            let rest = if a.len() > m {
                a.split_off(m)
            } else {
                b.split_off(m)
            };
            for (x, y) in a.iter_mut().zip(b.drain(..)) {
                x.extend(y);
            }
            b = rest;
            if b.len() <= 1 {
                break;
            }
        }
        a.into_iter().chain(b).flatten().collect()
    };
    out.rotate_left(rotation % n);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(k: usize, n: usize, r: usize) -> String {
        bjorklund(k, n, r)
            .iter()
            .map(|&x| if x { 'x' } else { '.' })
            .collect()
    }

    #[test]
    fn goldens_from_the_issue_and_toussaint() {
        assert_eq!(show(3, 8, 0), "x..x..x.");
        assert_eq!(show(3, 8, 1), "..x..x.x");
        assert_eq!(show(5, 8, 0), "x.xx.xx.");
        // Toussaint (2005), Table: E(2,5), E(3,4), E(5,12), E(7,16).
        assert_eq!(show(2, 5, 0), "x.x..");
        assert_eq!(show(3, 4, 0), "x.xx");
        assert_eq!(show(5, 12, 0), "x..x.x..x.x.");
        assert_eq!(show(7, 16, 0), "x..x.x.x..x.x.x.");
    }

    #[test]
    fn edge_cases_and_onset_counts() {
        assert_eq!(show(0, 4, 0), "....");
        assert_eq!(show(4, 4, 0), "xxxx");
        assert_eq!(show(9, 4, 0), "xxxx");
        assert_eq!(show(1, 1, 5), "x");
        assert!(bjorklund(3, 0, 0).is_empty());
        for n in 1..40 {
            for k in 0..=n {
                let r = bjorklund(k, n, 0);
                assert_eq!((r.len(), r.iter().filter(|&&x| x).count()), (n, k));
                if k > 0 {
                    assert!(r[0], "E({k},{n}) starts with an onset");
                    // Maximally even: gaps between onsets differ by at most one step.
                    let idx: Vec<usize> = (0..n).filter(|&i| r[i]).collect();
                    let gaps: Vec<usize> = (0..k)
                        .map(|i| (idx[(i + 1) % k] + n - idx[i] - 1) % n + 1)
                        .collect();
                    let (lo, hi) = (gaps.iter().min().unwrap(), gaps.iter().max().unwrap());
                    assert!(hi - lo <= 1, "E({k},{n}) gaps {gaps:?}");
                }
            }
        }
    }
}
