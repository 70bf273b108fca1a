//! Lists the bundled scenario files so that the program can carry copies of them.

use std::fmt::Write as _;

fn main() {
    println!("cargo::rerun-if-changed=scenarios");
    let mut names: Vec<String> = std::fs::read_dir("scenarios")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.ends_with(".ron") && n != "catalogue.ron")
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut code = String::from("pub const SCENARIOS: &[(&str, &str)] = &[\n");
    for name in &names {
        let _ = writeln!(
            code,
            "    ({name:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/scenarios/{name}\"))),"
        );
    }
    code.push_str("];\n");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    if let Err(e) = std::fs::write(out.join("bundled_scenarios.rs"), code) {
        panic!("cannot write the list of bundled scenarios: {e}");
    }
}
