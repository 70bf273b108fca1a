//! The bundled catalogue and scenarios, built into the program so it runs from anywhere.

pub const CATALOGUE: &str = include_str!("../../scenarios/catalogue.ron");

include!(concat!(env!("OUT_DIR"), "/bundled_scenarios.rs"));
