//! Embeds the factory presets (`presets/factory/*.json`) in the crate, so the binary can
//! audition them from anywhere. Generates `$OUT_DIR/factory.rs` with one `(id, json)` pair per
//! file, sorted by id.

use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("../../presets/factory");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .filter_map(|p| Some((p.file_stem()?.to_str()?.to_string(), p)))
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    let mut code = String::from("/// Factory presets: (id, JSON text), sorted by id.\npub static FACTORY: &[(&str, &str)] = &[\n");
    for (id, path) in &entries {
        println!("cargo:rerun-if-changed={}", path.display());
        code.push_str(&format!(
            "    ({id:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("factory.rs");
    std::fs::write(out, code).unwrap_or_else(|e| panic!("writing factory.rs: {e}"));
}
