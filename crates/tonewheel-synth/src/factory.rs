//! The factory library: presets shipped inside the program (`presets/factory/*.json`).

use crate::error::Result;
use crate::preset::Preset;

include!(concat!(env!("OUT_DIR"), "/factory.rs"));

/// Ids of all factory presets, sorted.
pub fn factory_ids() -> impl Iterator<Item = &'static str> {
    FACTORY.iter().map(|(id, _)| *id)
}

/// Loads and validates the factory preset `id`; None if there is no such preset.
pub fn factory_preset(id: &str) -> Option<Result<Preset>> {
    FACTORY
        .iter()
        .find(|(fid, _)| *fid == id)
        .map(|(fid, json)| Preset::from_json(json, &format!("factory:{fid}")))
}

/// Every factory preset, loaded and validated, in id order.
pub fn factory_presets() -> impl Iterator<Item = (&'static str, Result<Preset>)> {
    FACTORY
        .iter()
        .map(|(id, json)| (*id, Preset::from_json(json, &format!("factory:{id}"))))
}

/// The JSON text of the factory preset `id`.
pub fn factory_json(id: &str) -> Option<&'static str> {
    FACTORY
        .iter()
        .find(|(fid, _)| *fid == id)
        .map(|(_, json)| *json)
}
