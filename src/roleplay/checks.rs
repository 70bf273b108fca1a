//! Checks that need the exact analysis: endings no play reaches, turns left with no reply.

use std::sync::Arc;

use crate::scenario::diagnostics::{Code, Pending};
use crate::scenario::{Catalogue, NodeIdx, NodeKind, Scenario};

use super::analysis::{Analysis, AnalysisError};

/// Runs the analysis for every behaviour type and reports what none of them can fix.
/// Returns the pending diagnostics and the analyses that succeeded.
pub fn analyse_all(
    scenario: &Arc<Scenario>,
    catalogue: &Arc<Catalogue>,
) -> (Vec<Pending>, Vec<Arc<Analysis>>) {
    let mut pending = Vec::new();
    let mut analyses = Vec::new();
    let mut reached = vec![false; scenario.nodes.len()];
    let mut stuck: Vec<(NodeIdx, String)> = Vec::new();
    for (p, persona) in catalogue.personas.iter().enumerate() {
        match Analysis::run(scenario.clone(), catalogue.clone(), p as u8) {
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
                    message: format!("{} (behaviour type `{}`)", AnalysisError::TooComplex, persona.id),
                });
                return (pending, analyses);
            }
            Err(AnalysisError::NoCompletePath) => pending.push(Pending {
                code: Code::NoReplyAvailable,
                path: "nodes".into(),
                message: format!(
                    "played as `{}`, no way through the scenario reaches an ending: conditions hide every reply somewhere",
                    persona.id
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
            message: format!(
                "turn `{}` can be reached (played as `{persona}`) in a state where every reply's `requires` is false",
                scenario.node(node).id
            ),
        });
    }
    if !analyses.is_empty() {
        for (i, node) in scenario.nodes.iter().enumerate() {
            if matches!(node.kind, NodeKind::Ending(_)) && !reached[i] {
                pending.push(Pending {
                    code: Code::EndingNeverReached,
                    path: format!("nodes[{i}].id"),
                    message: format!(
                        "ending `{}` is linked, but no play under any behaviour type reaches it (its conditions never hold)",
                        node.id
                    ),
                });
            }
        }
    }
    (pending, analyses)
}
