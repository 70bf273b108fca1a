//! Complaint role-play trainer: scenario language, role-play engine and scoring, records,
//! command line, and (with the `gui` feature) the desktop app.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

#[cfg(feature = "gui")]
pub mod app;
pub mod cli;
pub mod parallel;
pub mod prefs;
pub mod records;
pub mod roleplay;
pub mod scenario;

/// Every binary built on the library (the program, its tests and benchmarks) allocates through
/// mimalloc: loading and analysing scenarios make many small, short-lived allocations.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
