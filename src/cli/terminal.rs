//! Text rendering of a role play for the terminal: the customer card, meters, feedback, debrief.

use std::fmt::Write as _;

use crate::roleplay::score::ScoreEvent;
use crate::roleplay::session::{EndingRecord, Prompt, TurnRecord};
use crate::roleplay::{Mode, ScoreCard, Session};
use crate::scenario::{Catalogue, Lang, Scenario, Text, is_narration};

/// The colon after a label: full width in Chinese.
fn colon(lang: Lang) -> &'static str {
    t(lang, "：", ": ")
}

/// A label and its colon: `顾客：` or `Customer: `.
pub fn label(lang: Lang, zh: &str, en: &str) -> String {
    match lang {
        Lang::Zh => format!("{zh}{}", colon(lang)),
        Lang::En => format!("{en}{}", colon(lang)),
    }
}

/// A line the customer says, after their name; narration (a line in brackets) on its own.
pub fn said(name: &Text, line: &Text, lang: Lang) -> String {
    let line = line.get(lang);
    if is_narration(line) {
        line.to_string()
    } else {
        format!(
            "{}{}“{}”",
            name.get(lang),
            colon(lang),
            quotes_within_quotes(line)
        )
    }
}

/// The line's own quotation marks as single ones, since `said` puts the line in double
/// quotes: 还“保证” becomes 还‘保证’, and "only" ‘only’ (straight ones only when they pair up).
fn quotes_within_quotes(line: &str) -> String {
    let pairs = line.matches('"').count().is_multiple_of(2);
    let mut opening = true;
    line.chars()
        .map(|c| match c {
            '“' => '‘',
            '”' => '’',
            '"' if pairs => {
                opening = !opening;
                if opening { '’' } else { '‘' }
            }
            other => other,
        })
        .collect()
}

/// "第 3 回合" or "Turn 3" (`turn` counted from 0).
fn turn_number(lang: Lang, turn: u32) -> String {
    match lang {
        Lang::Zh => format!("第 {} 回合", turn + 1),
        Lang::En => format!("Turn {}", turn + 1),
    }
}

/// Picks the language of a pair of UI strings.
pub fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// How many terminal columns `text` takes: Chinese characters take two.
pub fn columns(text: &str) -> usize {
    text.chars()
        .map(|c| if c >= '\u{2e80}' { 2 } else { 1 })
        .sum()
}

/// `text` padded with spaces to `width` terminal columns.
pub fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(columns(text))))
}

pub fn meter(value: u8) -> String {
    let filled = usize::from(value.min(10));
    format!(
        "{}{} {value:>2}/10",
        "■".repeat(filled),
        "□".repeat(10 - filled)
    )
}

pub fn header(scenario: &Scenario, catalogue: &Catalogue, session: &Session, lang: Lang) -> String {
    let persona = catalogue.persona(session.analysis().persona);
    let mut out = String::new();
    let _ = writeln!(out, "══ {} ══", scenario.title.get(lang));
    let _ = writeln!(out, "{}", scenario.summary.get(lang));
    let _ = writeln!(
        out,
        "{}{} · {}{} · {}{}",
        label(lang, "顾客", "Customer"),
        scenario.customer.name.get(lang),
        label(lang, "车辆", "Car"),
        scenario.customer.car.get(lang),
        label(lang, "客户类型", "Behaviour type"),
        persona.name.get(lang)
    );
    let _ = writeln!(
        out,
        "{}{}",
        label(lang, "投诉", "Complaint"),
        scenario.customer.complaint.get(lang)
    );
    let mode = match session.mode() {
        Mode::Practice => t(lang, "练习模式", "practice"),
        Mode::Assessment => t(lang, "考核模式", "assessment"),
    };
    let _ = writeln!(
        out,
        "{}{mode} · {}{}",
        label(lang, "模式", "Mode"),
        label(lang, "随机种子", "seed"),
        session.seed()
    );
    out
}

pub fn prompt(
    prompt: &Prompt,
    session: &Session,
    catalogue: &Catalogue,
    name: &Text,
    lang: Lang,
) -> String {
    let state = session.state();
    let mut out = String::new();
    let turn = turn_number(lang, prompt.turn);
    let _ = writeln!(
        out,
        "\n[{turn}] {} {}   {} {}",
        t(lang, "不满", "anger"),
        meter(state.mood),
        t(lang, "信任", "trust"),
        meter(state.trust)
    );
    let _ = writeln!(out, "{}", said(name, &prompt.say, lang));
    for (i, offered) in prompt.offered.iter().enumerate() {
        let labels = if session.mode() == Mode::Practice {
            let names: Vec<&str> = offered
                .techniques
                .iter()
                .filter_map(|id| catalogue.technique_by_id(id))
                .map(|ti| catalogue.technique(ti).name.get(lang))
                .collect();
            format!("  [{}]", names.join(" + "))
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {}. {}{labels}", i + 1, offered.text.get(lang));
    }
    out
}

fn principle_name<'a>(catalogue: &'a Catalogue, id: &str, lang: Lang) -> &'a str {
    catalogue
        .principle_by_id(id)
        .map(|p| catalogue.principle(p).name.get(lang))
        .unwrap_or("?")
}

pub fn feedback(turn: &TurnRecord, catalogue: &Catalogue, name: &Text, lang: Lang) -> String {
    let mut out = String::new();
    reaction(&mut out, turn, name, lang);
    for e in &turn.events {
        let _ = writeln!(out, "  {}", points_line(e, catalogue, lang));
    }
    if let Some(better) = &turn.better_text {
        let _ = writeln!(
            out,
            "  {}{}",
            label(lang, "更好的回应", "A better reply"),
            better.get(lang)
        );
        for e in &turn.better_events {
            let _ = writeln!(out, "    {}", points_line(e, catalogue, lang));
        }
    }
    escalation(&mut out, turn, lang);
    out
}

/// A score event as one line: signed points, the principle and why ("+2 Seek a win-win: …").
fn points_line(e: &ScoreEvent, catalogue: &Catalogue, lang: Lang) -> String {
    format!(
        "{:+} {}{}",
        e.points,
        principle_name(catalogue, &e.principle, lang).to_string() + colon(lang),
        e.why.get(lang)
    )
}

/// One turn of a scripted run as it reads back: what the customer said, the reply chosen, and
/// what came of it (the customer's reaction, or the narrator's, and any escalation), so the
/// story holds together without the coaching in between.
pub fn scripted_turn(turn: &TurnRecord, name: &Text, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", said(name, &turn.say, lang));
    let _ = writeln!(out, "  → {}", turn.chosen_text.get(lang));
    reaction(&mut out, turn, name, lang);
    escalation(&mut out, turn, lang);
    out
}

/// The customer's (or the narrator's) reaction to the reply, as its own line.
fn reaction(out: &mut String, turn: &TurnRecord, name: &Text, lang: Lang) {
    if let Some(react) = &turn.react {
        let _ = writeln!(out, "{}", said(name, react, lang));
    }
}

/// An escalation the reply set off, in words.
fn escalation(out: &mut String, turn: &TurnRecord, lang: Lang) {
    if let Some(notice) = turn.escalation_notice() {
        let _ = writeln!(out, "  ! {}", notice.get(lang));
    }
}

pub fn ending(ending: &EndingRecord, name: &Text, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n{}", said(name, &ending.say, lang));
    let _ = writeln!(
        out,
        "══ {} · {} ══",
        ending.title.get(lang),
        ending.outcome.label().get(lang)
    );
    let _ = writeln!(out, "{}", ending.debrief.get(lang));
    out
}

pub fn debrief(
    card: &ScoreCard,
    turns: &[TurnRecord],
    catalogue: &Catalogue,
    lang: Lang,
) -> String {
    let mut out = String::new();
    let verdict = if card.passed {
        t(lang, "通过", "PASSED")
    } else {
        t(lang, "未通过", "NOT PASSED")
    };
    let _ = match lang {
        Lang::Zh => writeln!(
            out,
            "\n总分 {:.1} / 100（及格线 {:.0}）— {verdict}",
            card.total, card.pass_mark
        ),
        Lang::En => writeln!(
            out,
            "\nTotal {:.1} / 100 (pass mark {:.0}) — {verdict}",
            card.total, card.pass_mark
        ),
    };
    let _ = writeln!(
        out,
        "{} {:.1} · {} {:.1}",
        t(lang, "本情景最高可得", "best possible here"),
        card.best_possible,
        t(lang, "最低", "worst"),
        card.worst_possible
    );
    let _ = writeln!(
        out,
        "\n{}",
        label(lang, "处理原则", "Handling principles").trim_end()
    );
    for line in &card.principles {
        match line.percent {
            Some(p) => {
                let _ = writeln!(out, "  {:>5.1}%  {}", p, line.name.get(lang));
            }
            None => {
                let _ = match lang {
                    Lang::Zh => writeln!(out, "     —    {}（本情景未涉及）", line.name.get(lang)),
                    Lang::En => {
                        writeln!(out, "     —    {} (not tested here)", line.name.get(lang))
                    }
                };
            }
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        label(lang, "处理步骤", "Handling steps").trim_end()
    );
    for line in &card.steps {
        match line.percent {
            Some(p) => {
                let _ = writeln!(out, "  {:>5.1}%  {}", p, line.name.get(lang));
            }
            None => {
                let _ = writeln!(out, "     —    {}", line.name.get(lang));
            }
        }
    }
    if !card.critical.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            label(
                lang,
                "严重错误（不计入平均，直接判为未通过）",
                "Critical errors (not averaged away; the attempt fails)"
            )
            .trim_end()
        );
        for c in &card.critical {
            let _ = writeln!(
                out,
                "  {}{}",
                turn_number(lang, c.turn) + colon(lang),
                c.name.get(lang)
            );
        }
    }
    let missed: Vec<&TurnRecord> = turns.iter().filter(|t| t.better_text.is_some()).collect();
    if !missed.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            label(
                lang,
                "可以做得更好的地方",
                "Where a better reply was available"
            )
            .trim_end()
        );
        for turn in missed {
            let _ = writeln!(
                out,
                "  {}{}",
                turn_number(lang, turn.turn) + colon(lang),
                turn.chosen_text.get(lang)
            );
            // What the reply cost, then the better reply and what it earns here.
            for e in turn.events.iter().filter(|e| e.points < 0) {
                let _ = writeln!(out, "      {}", points_line(e, catalogue, lang));
            }
            if let Some(better) = &turn.better_text {
                let _ = writeln!(out, "      → {}", better.get(lang));
            }
            for e in &turn.better_events {
                let _ = writeln!(out, "        {}", points_line(e, catalogue, lang));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_line_quotes_within_it_in_single_marks() {
        let name = Text::new("孙先生", "Mr Sun");
        let zh = Text::new(
            "还“保证”，前面也有人保证过。",
            "\"Only\" half an hour? Is that \"soon\"?",
        );
        assert_eq!(
            said(&name, &zh, Lang::Zh),
            "孙先生：“还‘保证’，前面也有人保证过。”"
        );
        assert_eq!(
            said(&name, &zh, Lang::En),
            "Mr Sun: “‘Only’ half an hour? Is that ‘soon’?”"
        );
        // An unpaired straight quote (inches, say) is left as it is; apostrophes are untouched.
        let odd = Text::new("", "It's a 17\" wheel.");
        assert_eq!(said(&name, &odd, Lang::En), "Mr Sun: “It's a 17\" wheel.”");
    }
}
