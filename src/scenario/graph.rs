//! Draws a scenario's graph for authors, as Graphviz DOT or Mermaid.

use std::fmt::Write as _;

use super::model::{Catalogue, NodeKind, Outcome, Scenario};
use super::text::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "'").replace('\n', " ")
}

fn clip(s: &str, max: usize) -> String {
    let mut out: String = s.chars().take(max).collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

/// One edge: from, to, label.
fn edges(
    scenario: &Scenario,
    catalogue: &Catalogue,
    lang: Lang,
) -> Vec<(usize, usize, String, bool)> {
    let mut out = Vec::new();
    for (i, node) in scenario.nodes.iter().enumerate() {
        if let NodeKind::Turn(turn) = &node.kind {
            for (r, reply) in turn.replies.iter().enumerate() {
                let techniques: Vec<&str> = reply
                    .techniques
                    .iter()
                    .map(|t| catalogue.technique(*t).name.get(lang))
                    .collect();
                let label = format!("{}. {}", r + 1, techniques.join(" + "));
                out.push((i, reply.goto as usize, label.clone(), false));
                for (_, to) in &reply.branches {
                    out.push((i, *to as usize, format!("{label} (if)"), true));
                }
            }
        }
    }
    out
}

pub fn render(
    scenario: &Scenario,
    catalogue: &Catalogue,
    format: GraphFormat,
    lang: Lang,
) -> String {
    let mut out = String::new();
    let edges = edges(scenario, catalogue, lang);
    match format {
        GraphFormat::Dot => {
            let _ = writeln!(out, "digraph \"{}\" {{", escape(&scenario.id));
            let _ = writeln!(
                out,
                "  rankdir=TB;\n  node [fontname=\"Noto Sans CJK SC\"];"
            );
            for (i, node) in scenario.nodes.iter().enumerate() {
                let (shape, label) = match &node.kind {
                    NodeKind::Turn(t) => (
                        "box",
                        format!(
                            "{}\\n[{}] {}",
                            node.id,
                            catalogue.step(t.step).name.get(lang),
                            clip(t.say[0].get(lang), 30)
                        ),
                    ),
                    NodeKind::Ending(e) => (
                        if e.outcome == Outcome::Resolved {
                            "doublecircle"
                        } else {
                            "octagon"
                        },
                        format!("{}\\n{}", node.id, e.outcome.label().get(lang)),
                    ),
                };
                let _ = writeln!(
                    out,
                    "  n{i} [shape={shape}, label=\"{}\"];",
                    escape(&label).replace("\\\\n", "\\n")
                );
            }
            for e in &scenario.escalations {
                let _ = writeln!(
                    out,
                    "  esc_{} [shape=note, label=\"{}\"];",
                    escape(&e.id),
                    escape(&e.id)
                );
                let _ = writeln!(
                    out,
                    "  esc_{} -> n{} [style=dotted];",
                    escape(&e.id),
                    e.goto
                );
            }
            for (from, to, label, dashed) in edges {
                let style = if dashed { ", style=dashed" } else { "" };
                let _ = writeln!(
                    out,
                    "  n{from} -> n{to} [label=\"{}\"{style}];",
                    escape(&label)
                );
            }
            out.push_str("}\n");
        }
        GraphFormat::Mermaid => {
            out.push_str("flowchart TD\n");
            for (i, node) in scenario.nodes.iter().enumerate() {
                let label = match &node.kind {
                    NodeKind::Turn(t) => {
                        format!("{}<br/>{}", node.id, catalogue.step(t.step).name.get(lang))
                    }
                    NodeKind::Ending(e) => {
                        format!("{}<br/>{}", node.id, e.outcome.label().get(lang))
                    }
                };
                let (open, close) = match node.kind {
                    NodeKind::Turn(_) => ("[\"", "\"]"),
                    NodeKind::Ending(_) => ("([\"", "\"])"),
                };
                let _ = writeln!(out, "  n{i}{open}{}{close}", escape(&label));
            }
            for (from, to, label, dashed) in edges {
                let arrow = if dashed { "-.->" } else { "-->" };
                let _ = writeln!(out, "  n{from} {arrow}|\"{}\"| n{to}", escape(&label));
            }
            for e in &scenario.escalations {
                let _ = writeln!(
                    out,
                    "  esc_{}{{{{\"{}\"}}}} -.-> n{}",
                    escape(&e.id),
                    escape(&e.id),
                    e.goto
                );
            }
        }
    }
    out
}
