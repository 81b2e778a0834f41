//! Descriptor percentiles within each role: "bright" for a bass means bright among basses.
//!
//! For every role and descriptor the measured values of that role's presets are sorted; a
//! preset's percentile is its mid-rank, `(below + equal / 2) / n`, so the brightest of n
//! presets reads `1 - 1/(2n)`, the darkest `1/(2n)`, a role of one preset 0.5, and ties
//! share one value. Presets without descriptors (not rendered yet) have no row.

use std::collections::HashMap;

use tonewheel_analysis::{Descriptor, Descriptors};
use tonewheel_audio::Role;

/// Number of descriptors in a row.
pub const WIDTH: usize = Descriptor::ALL.len();

/// One preset's percentiles, `NaN` where the descriptor was not measurable (no pitch).
pub type Row = [f32; WIDTH];

/// Percentiles of every preset that has descriptors, in the order of the search documents.
#[derive(Debug, Clone, Default)]
pub struct DescriptorTable {
    rows: Vec<Option<Row>>,
}

impl DescriptorTable {
    /// Builds the table from each document's role and descriptors.
    pub fn build(docs: &[(Role, Option<&Descriptors>)]) -> DescriptorTable {
        let mut by_role: HashMap<Role, Vec<Vec<f64>>> = HashMap::new();
        for (role, d) in docs {
            let Some(d) = d else { continue };
            let columns = by_role
                .entry(*role)
                .or_insert_with(|| vec![Vec::new(); WIDTH]);
            for (k, descriptor) in Descriptor::ALL.iter().enumerate() {
                if let Some(v) = d.get(*descriptor).filter(|v| v.is_finite()) {
                    columns[k].push(v);
                }
            }
        }
        for columns in by_role.values_mut() {
            for c in columns.iter_mut() {
                c.sort_by(f64::total_cmp);
            }
        }
        let rows = docs
            .iter()
            .map(|(role, d)| {
                let d = (*d)?;
                let columns = by_role.get(role)?;
                let mut row = [f32::NAN; WIDTH];
                for (k, descriptor) in Descriptor::ALL.iter().enumerate() {
                    if let Some(v) = d.get(*descriptor).filter(|v| v.is_finite()) {
                        row[k] = percentile(&columns[k], v);
                    }
                }
                Some(row)
            })
            .collect();
        DescriptorTable { rows }
    }

    /// The percentiles of document `doc`, if it has descriptors.
    pub fn row(&self, doc: usize) -> Option<&Row> {
        self.rows.get(doc).and_then(Option::as_ref)
    }

    /// Documents with descriptors.
    pub fn described(&self) -> usize {
        self.rows.iter().filter(|r| r.is_some()).count()
    }
}

/// Mid-rank percentile of `v` in the sorted `values`.
fn percentile(values: &[f64], v: f64) -> f32 {
    if values.is_empty() {
        return 0.5;
    }
    let below = values.partition_point(|x| *x < v);
    let not_above = values.partition_point(|x| *x <= v);
    ((below as f64 + 0.5 * (not_above - below) as f64) / values.len() as f64) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_centroid(hz: f64) -> Descriptors {
        let mut d: Descriptors = serde_json::from_value(serde_json::json!({
            "centroid_hz": 0.0, "brightness": 0.0, "warmth": 0.0, "hf_share": 0.0,
            "attack_s": 0.0, "decay_s": null, "sustain_level": 0.0, "length_s": 1.0,
            "width": 0.0, "noisiness": 0.0, "pitchedness": 0.0, "pitch_hz": null,
            "movement": 0.0, "spectral_movement_oct": 0.0, "level_movement_db": 0.0,
            "punch": 0.0, "crest_db": 0.0
        }))
        .unwrap();
        d.centroid_hz = hz;
        d
    }

    #[test]
    fn percentiles_are_mid_ranks_within_each_role() {
        let (a, b, c, d) = (
            with_centroid(100.0),
            with_centroid(200.0),
            with_centroid(300.0),
            with_centroid(5_000.0),
        );
        let docs = [
            (Role::Bass, Some(&a)),
            (Role::Bass, Some(&b)),
            (Role::Bass, Some(&c)),
            (Role::Hat, Some(&d)),
            (Role::Pad, None),
        ];
        let t = DescriptorTable::build(&docs);
        let k = Descriptor::CentroidHz.index();
        let p: Vec<f32> = (0..3).map(|i| t.row(i).unwrap()[k]).collect();
        assert_eq!(p, [1.0 / 6.0, 0.5, 5.0 / 6.0]);
        // The only hat is the median hat, however bright it is.
        assert_eq!(t.row(3).unwrap()[k], 0.5);
        assert!(t.row(4).is_none());
        assert_eq!(t.described(), 4);
        // No pitch measured: no percentile.
        assert!(t.row(0).unwrap()[Descriptor::PitchHz.index()].is_nan());
        // Ties share the middle.
        assert_eq!(percentile(&[1.0, 1.0, 1.0, 2.0], 1.0), 0.375);
    }
}
