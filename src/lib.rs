//! Complaint role-play trainer: scenario language, role-play engine and scoring, command line.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod cli;
pub mod roleplay;
pub mod scenario;
