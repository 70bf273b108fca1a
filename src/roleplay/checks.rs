//! Checks that need the exact analysis: endings no play reaches, turns left with no reply.

use std::sync::Arc;

use crate::scenario::diagnostics::{Code, Pending};
use crate::scenario::load::place_in;
use crate::scenario::{Catalogue, NodeIdx, NodeKind, Scenario, Text};
use crate::scenario::{Diagnostic, Sources};

use super::analysis::{Analysis, AnalysisError};
use crate::parallel::map_on_all_cores;

/// Runs the analysis for every behaviour type and reports what none of them can fix.
/// Returns the pending diagnostics and the analyses that succeeded.
pub fn analyse_all(
    scenario: &Arc<Scenario>,
    catalogue: &Arc<Catalogue>,
    max_states: usize,
) -> (Vec<Pending>, Vec<Arc<Analysis>>) {
    let mut pending = Vec::new();
    let mut analyses = Vec::new();
    let mut reached = vec![false; scenario.nodes.len()];
    let mut stuck: Vec<(NodeIdx, String)> = Vec::new();
    let personas: Vec<u8> = (0..catalogue.personas.len()).map(|p| p as u8).collect();
    let results = map_on_all_cores(&personas, |&p| {
        Analysis::run_with_limit(scenario.clone(), catalogue.clone(), p, max_states)
    });
    for (persona, result) in catalogue.personas.iter().zip(results) {
        match result {
            Ok(a) => {
                for &e in &a.endings {
                    reached[e as usize] = true;
                }
                for &s in &a.stuck {
                    stuck.push((s, persona.id.clone()));
                }
                analyses.push(Arc::new(a));
            }
            Err(AnalysisError::TooComplex) => {
                pending.push(Pending {
                    code: Code::TooComplex,
                    path: "nodes".into(),
                    message: Text::new(
                        format!(
                            "按 `{}` 演练时，情景的不同局面超过 {max_states} 个；请简化条件，或把情景拆开",
                            persona.id
                        ),
                        format!(
                            "played as `{}`, the scenario has more than {max_states} distinct states; simplify its conditions or split it",
                            persona.id
                        ),
                    ),
                });
                return (pending, analyses);
            }
            Err(AnalysisError::NoCompletePath) => pending.push(Pending {
                code: Code::NoReplyAvailable,
                path: "nodes".into(),
                message: Text::new(
                    format!(
                        "按 `{}` 演练时，没有任何走法能到达结局：某处的条件把所有回应都隐藏了",
                        persona.id
                    ),
                    format!(
                        "played as `{}`, no way through the scenario reaches an ending: conditions hide every reply somewhere",
                        persona.id
                    ),
                ),
            }),
        }
    }
    stuck.sort();
    stuck.dedup_by(|a, b| a.0 == b.0);
    for (node, persona) in stuck {
        pending.push(Pending {
            code: Code::NoReplyAvailable,
            path: format!("nodes[{node}].replies"),
            message: Text::new(
                format!(
                    "（按 `{persona}` 演练时）回合 `{}` 可能在所有回应的 `requires` 都不成立的局面下到达",
                    scenario.node(node).id
                ),
                format!(
                    "turn `{}` can be reached (played as `{persona}`) in a state where every reply's `requires` is false",
                    scenario.node(node).id
                ),
            ),
        });
    }
    if !analyses.is_empty() {
        for (i, node) in scenario.nodes.iter().enumerate() {
            if matches!(node.kind, NodeKind::Ending(_)) && !reached[i] {
                pending.push(Pending {
                    code: Code::EndingNeverReached,
                    path: format!("nodes[{i}].id"),
                    message: Text::new(
                        format!(
                            "结局 `{}` 有路径指向它，但无论哪种客户类型，都没有一次演练能到达（它的条件从不成立）",
                            node.id
                        ),
                        format!(
                            "ending `{}` is linked, but no play under any behaviour type reaches it (its conditions never hold)",
                            node.id
                        ),
                    ),
                });
            }
        }
    }
    (pending, analyses)
}

/// Loads, validates and analyses; returns all diagnostics, the number of files and of good scenarios.
pub fn diagnose(sources: &Sources, max_states: usize) -> (Vec<Diagnostic>, usize, usize) {
    let library = sources.load();
    let mut diagnostics = library.diagnostics.clone();
    if let Some(catalogue) = &library.catalogue {
        for scenario in &library.scenarios {
            let (pending, _) = analyse_all(scenario, catalogue, max_states);
            if let Some(file) = sources.file(&scenario.source) {
                diagnostics.extend(place_in(file, pending));
            }
        }
    }
    diagnostics
        .sort_by(|a, b| (&a.file, a.line, a.col, a.code).cmp(&(&b.file, b.line, b.col, b.code)));
    let files = sources.scenarios.len() + usize::from(sources.catalogue.is_some());
    (diagnostics, files, library.scenarios.len())
}
