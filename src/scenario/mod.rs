//! The scenario language: bilingual text, the catalogue, scenario graphs, loading and validation.

mod bundled;
pub mod diagnostics;
pub mod graph;
pub mod load;
pub mod locate;
pub mod model;
pub mod raw;
pub mod split;
pub mod text;
pub mod validate;

pub use diagnostics::{Code, Diagnostic, Severity};
pub use load::{Library, ScenarioSource, SourceFile, Sources};
pub use model::*;
pub use text::{Lang, Text, as_sentence, count_en, is_narration};
