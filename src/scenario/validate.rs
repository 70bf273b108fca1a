//! Turns raw parsed files into checked types, collecting every problem with its path.

use std::collections::{HashMap, HashSet};
use std::fmt::Display;

use super::diagnostics::{Code, Sink};
use super::model::*;
use super::raw::*;
use super::text::{Text, is_cjk};

/// The path of a list element, `parent.list[index]`, written out only when a diagnostic needs
/// it: building every path of a large file up front costs more than checking it.
struct Element<'a, P: ?Sized> {
    parent: &'a P,
    list: &'static str,
    index: usize,
}

impl<'a, P: Display + ?Sized> Element<'a, P> {
    fn new(parent: &'a P, list: &'static str, index: usize) -> Self {
        Element {
            parent,
            list,
            index,
        }
    }
}

impl<P: Display + ?Sized> Display for Element<'_, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}[{}]", self.parent, self.list, self.index)
    }
}

/// What a value or a list is called in messages, in both languages.
#[derive(Debug, Clone, Copy)]
struct Term {
    zh: &'static str,
    en: &'static str,
}

const fn term(zh: &'static str, en: &'static str) -> Term {
    Term { zh, en }
}

const POINTS: Term = term("分值", "points");
const MOOD_CHANGE: Term = term("情绪变化", "the mood change");
const TRUST_CHANGE: Term = term("信任变化", "the trust change");

fn check_text(sink: &mut Sink, path: &(impl Display + ?Sized), text: &Text) {
    for (lang, value, name) in [
        ("zh", &text.zh, term("中文", "Chinese")),
        ("en", &text.en, term("英文", "English")),
    ] {
        if value.trim().is_empty() {
            sink.push(
                Code::MissingTranslation,
                format!("{path}.{lang}"),
                Text::new(
                    format!("{}文字是空的", name.zh),
                    format!("the {} text is empty", name.en),
                ),
            );
        }
    }
    if !text.zh.trim().is_empty() && !text.zh.chars().any(is_cjk) && text.zh.chars().count() > 3 {
        let quoted = short(&text.zh);
        sink.push(
            Code::SuspectTranslation,
            format!("{path}.zh"),
            Text::new(
                format!("中文文字里没有汉字：{quoted:?}"),
                format!("the Chinese text has no Chinese characters: {quoted:?}"),
            ),
        );
    }
    if text.en.chars().filter(|c| is_cjk(*c)).count() > 2 {
        let quoted = short(&text.en);
        sink.push(
            Code::SuspectTranslation,
            format!("{path}.en"),
            Text::new(
                format!("英文文字里夹有中文：{quoted:?}"),
                format!("the English text contains Chinese: {quoted:?}"),
            ),
        );
    }
}

fn check_texts(sink: &mut Sink, path: &(impl Display + ?Sized), texts: &[Text], what: Term) {
    if texts.is_empty() {
        sink.push(
            Code::EmptyList,
            path,
            Text::new(
                format!("{}至少要有一句", what.zh),
                format!("{} needs at least one line", what.en),
            ),
        );
    }
    for (i, text) in texts.iter().enumerate() {
        check_text(sink, &format_args!("{path}[{i}]"), text);
    }
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

fn bounded(
    sink: &mut Sink,
    path: &(impl Display + ?Sized),
    value: i32,
    min: i32,
    max: i32,
    what: Term,
) -> i32 {
    if value < min || value > max {
        sink.push(
            Code::OutOfBounds,
            path,
            Text::new(
                format!("{}是 {value}，但必须在 {min} 到 {max} 之间", what.zh),
                format!(
                    "{} is {value}, but must be between {min} and {max}",
                    what.en
                ),
            ),
        );
        value.clamp(min, max)
    } else {
        value
    }
}

fn to_i8(v: i32) -> i8 {
    i8::try_from(v.clamp(i32::from(i8::MIN), i32::from(i8::MAX))).unwrap_or(0)
}

fn to_u8(v: i32) -> u8 {
    u8::try_from(v.clamp(0, i32::from(u8::MAX))).unwrap_or(0)
}

/// Ids of one kind, checked for duplicates as they are registered.
struct Ids {
    what: Term,
    seen: HashMap<String, usize>,
}

impl Ids {
    fn new(what: Term) -> Self {
        Ids {
            what,
            seen: HashMap::new(),
        }
    }

    fn add(&mut self, sink: &mut Sink, path: &(impl Display + ?Sized), id: &str) {
        if id.trim().is_empty() {
            sink.push(
                Code::WrongValue,
                path,
                Text::new(
                    format!("{}的 id 是空的", self.what.zh),
                    format!("the {} id is empty", self.what.en),
                ),
            );
            return;
        }
        let next = self.seen.len();
        if self.seen.contains_key(id) {
            sink.push(
                Code::DuplicateId,
                path,
                Text::new(
                    format!("{} id `{id}` 用了两次", self.what.zh),
                    format!("{} id `{id}` is used twice", self.what.en),
                ),
            );
        } else {
            self.seen.insert(id.to_string(), next);
        }
    }

    fn get(&self, id: &str) -> Option<usize> {
        self.seen.get(id).copied()
    }
}

fn check_limit(
    sink: &mut Sink,
    path: &(impl Display + ?Sized),
    count: usize,
    max: usize,
    what: Term,
) {
    if count > max {
        sink.push(
            Code::OutOfBounds,
            path,
            Text::new(
                format!("有 {count} 个{}，但最多只能有 {max} 个", what.zh),
                format!("{count} {}, but at most {max} are allowed", what.en),
            ),
        );
    }
}

fn score_items(
    sink: &mut Sink,
    path: &(impl Display + ?Sized),
    raw: &mut [RawScoreItem],
    principles: &Ids,
    steps: &Ids,
) -> Vec<ScoreItem> {
    let mut out = Vec::new();
    for (i, item) in raw.iter_mut().enumerate() {
        let p = Element::new(path, "", i);
        check_text(sink, &format_args!("{p}.why"), &item.why);
        let points = bounded(
            sink,
            &format_args!("{p}.points"),
            item.points,
            -MAX_POINTS,
            MAX_POINTS,
            POINTS,
        );
        let step = match &item.step {
            Some(s) => match steps.get(s) {
                Some(idx) => Some(idx as StepIdx),
                None => {
                    let (zh, en) = known(steps);
                    sink.push(
                        Code::UnknownStep,
                        format!("{p}.step"),
                        Text::new(
                            format!("通用目录里没有处理步骤 `{s}`{zh}"),
                            format!("no handling step `{s}` in the catalogue{en}"),
                        ),
                    );
                    None
                }
            },
            None => None,
        };
        match principles.get(&item.principle) {
            Some(idx) => out.push(ScoreItem {
                principle: idx as PrincipleIdx,
                points: to_i8(points),
                why: std::mem::take(&mut item.why),
                step,
            }),
            None => sink.push(
                Code::UnknownPrinciple,
                format!("{p}.principle"),
                no_principle(&item.principle, principles),
            ),
        }
    }
    out
}

fn no_principle(id: &str, principles: &Ids) -> Text {
    let (zh, en) = known(principles);
    Text::new(
        format!("通用目录里没有处理原则 `{id}`{zh}"),
        format!("no handling principle `{id}` in the catalogue{en}"),
    )
}

/// " (known: a, b, c)" to help the author spot the typo, in Chinese and in English.
fn known(ids: &Ids) -> (String, String) {
    let mut names: Vec<(&String, &usize)> = ids.seen.iter().collect();
    names.sort_by_key(|(_, i)| **i);
    let list: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
    if list.is_empty() {
        (String::new(), String::new())
    } else if list.len() <= 16 {
        (
            format!("（已有：{}）", list.join("、")),
            format!(" (known: {})", list.join(", ")),
        )
    } else {
        (
            format!("（已有：{} 等）", list[..16].join("、")),
            format!(" (known: {}, …)", list[..16].join(", ")),
        )
    }
}

const PRINCIPLE: Term = term("处理原则", "principle");
const STEP: Term = term("处理步骤", "step");
const TECHNIQUE: Term = term("技巧", "technique");
const PERSONA: Term = term("客户类型", "behaviour type");

/// The catalogue's ids, kept for checking scenarios.
#[derive(Debug)]
pub struct CatalogueIds {
    principles: Ids,
    steps: Ids,
    techniques: Ids,
    personas: Ids,
}

impl std::fmt::Debug for Ids {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ids: {}", self.what.en, self.seen.len())
    }
}

impl CatalogueIds {
    pub fn from_catalogue(catalogue: &Catalogue) -> Self {
        fn ids<'a>(what: Term, names: impl Iterator<Item = &'a String>) -> Ids {
            let mut out = Ids::new(what);
            for (i, name) in names.enumerate() {
                out.seen.entry(name.clone()).or_insert(i);
            }
            out
        }
        CatalogueIds {
            principles: ids(PRINCIPLE, catalogue.principles.iter().map(|p| &p.id)),
            steps: ids(STEP, catalogue.steps.iter().map(|p| &p.id)),
            techniques: ids(TECHNIQUE, catalogue.techniques.iter().map(|p| &p.id)),
            personas: ids(PERSONA, catalogue.personas.iter().map(|p| &p.id)),
        }
    }
}

fn technique_ref(
    sink: &mut Sink,
    path: &(impl Display + ?Sized),
    id: &str,
    techniques: &Ids,
) -> Option<TechniqueIdx> {
    match techniques.get(id) {
        Some(i) => Some(i as TechniqueIdx),
        None => {
            let (zh, en) = known(techniques);
            sink.push(
                Code::UnknownTechnique,
                path,
                Text::new(
                    format!("通用目录里没有技巧 `{id}`{zh}"),
                    format!("no technique `{id}` in the catalogue{en}"),
                ),
            );
            None
        }
    }
}

fn persona_ref(
    sink: &mut Sink,
    path: &(impl Display + ?Sized),
    id: &str,
    personas: &Ids,
) -> Option<PersonaIdx> {
    match personas.get(id) {
        Some(i) => Some(i as PersonaIdx),
        None => {
            let (zh, en) = known(personas);
            sink.push(
                Code::UnknownPersona,
                path,
                Text::new(
                    format!("通用目录里没有客户类型 `{id}`{zh}"),
                    format!("no behaviour type `{id}` in the catalogue{en}"),
                ),
            );
            None
        }
    }
}

/// Checks a parsed catalogue. Returns it only when it has no errors.
pub fn catalogue(raw: &mut RawCatalogue, sink: &mut Sink) -> Option<Catalogue> {
    let pass_mark = if (0.0..=100.0).contains(&raw.pass_mark) {
        raw.pass_mark
    } else {
        sink.push(
            Code::OutOfBounds,
            "pass_mark",
            Text::new(
                format!("及格线是 {}，但必须在 0 到 100 之间", raw.pass_mark),
                format!(
                    "the pass mark is {}, but must be between 0 and 100",
                    raw.pass_mark
                ),
            ),
        );
        80.0
    };

    let mut principle_ids = Ids::new(PRINCIPLE);
    let mut principles = Vec::new();
    if raw.principles.is_empty() {
        sink.push(
            Code::EmptyList,
            "principles",
            Text::new(
                "通用目录至少要有一条处理原则",
                "the catalogue needs at least one principle",
            ),
        );
    }
    for (i, p) in raw.principles.iter().enumerate() {
        let path = format!("principles[{i}]");
        principle_ids.add(sink, &format_args!("{path}.id"), &p.id);
        check_text(sink, &format_args!("{path}.name"), &p.name);
        check_text(sink, &format_args!("{path}.description"), &p.description);
        check_text(sink, &format_args!("{path}.source"), &p.source);
        if !(p.weight > 0.0 && p.weight <= 10.0) {
            sink.push(
                Code::OutOfBounds,
                format!("{path}.weight"),
                Text::new(
                    format!("权重是 {}，但必须大于 0 且不超过 10", p.weight),
                    format!(
                        "the weight is {}, but must be above 0 and at most 10",
                        p.weight
                    ),
                ),
            );
        }
        principles.push(Principle {
            id: p.id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            source: p.source.clone(),
            weight: p.weight,
        });
    }
    check_limit(
        sink,
        "principles",
        principles.len(),
        32,
        term("处理原则", "principles"),
    );

    let mut step_ids = Ids::new(STEP);
    let mut steps = Vec::new();
    if raw.steps.is_empty() {
        sink.push(
            Code::EmptyList,
            "steps",
            Text::new(
                "通用目录至少要有一个处理步骤",
                "the catalogue needs at least one handling step",
            ),
        );
    }
    for (i, s) in raw.steps.iter().enumerate() {
        let path = format!("steps[{i}]");
        step_ids.add(sink, &format_args!("{path}.id"), &s.id);
        check_text(sink, &format_args!("{path}.name"), &s.name);
        check_text(sink, &format_args!("{path}.description"), &s.description);
        steps.push(Step {
            id: s.id.clone(),
            name: s.name.clone(),
            description: s.description.clone(),
        });
    }
    check_limit(sink, "steps", steps.len(), 16, term("处理步骤", "steps"));

    let mut technique_ids = Ids::new(TECHNIQUE);
    for (i, t) in raw.techniques.iter().enumerate() {
        technique_ids.add(sink, &format_args!("techniques[{i}].id"), &t.id);
    }
    check_limit(
        sink,
        "techniques",
        raw.techniques.len(),
        MAX_TECHNIQUES,
        term("技巧", "techniques"),
    );
    let mut techniques = Vec::new();
    for (i, t) in raw.techniques.iter_mut().enumerate() {
        let path = format!("techniques[{i}]");
        check_text(sink, &format_args!("{path}.name"), &t.name);
        check_text(sink, &format_args!("{path}.description"), &t.description);
        let mood = bounded(
            sink,
            &format_args!("{path}.mood"),
            t.mood,
            -10,
            10,
            MOOD_CHANGE,
        );
        let trust = bounded(
            sink,
            &format_args!("{path}.trust"),
            t.trust,
            -10,
            10,
            TRUST_CHANGE,
        );
        let score = score_items(
            sink,
            &format_args!("{path}.score"),
            &mut t.score,
            &principle_ids,
            &step_ids,
        );
        techniques.push(Technique {
            id: t.id.clone(),
            name: t.name.clone(),
            description: t.description.clone(),
            family: t.family,
            mood: to_i8(mood),
            trust: to_i8(trust),
            score,
            critical: t.critical,
        });
    }

    let mut persona_ids = Ids::new(PERSONA);
    let mut personas = Vec::new();
    if raw.personas.is_empty() {
        sink.push(
            Code::EmptyList,
            "personas",
            Text::new(
                "通用目录至少要有一种客户类型",
                "the catalogue needs at least one behaviour type",
            ),
        );
    }
    for (i, p) in raw.personas.iter_mut().enumerate() {
        let path = format!("personas[{i}]");
        persona_ids.add(sink, &format_args!("{path}.id"), &p.id);
        check_text(sink, &format_args!("{path}.name"), &p.name);
        check_text(sink, &format_args!("{path}.description"), &p.description);
        check_text(sink, &format_args!("{path}.reasoning"), &p.reasoning);
        let start_mood = bounded(
            sink,
            &format_args!("{path}.start_mood"),
            p.start_mood,
            -10,
            10,
            term("情绪偏移", "the mood shift"),
        );
        let start_trust = bounded(
            sink,
            &format_args!("{path}.start_trust"),
            p.start_trust,
            -10,
            10,
            term("信任偏移", "the trust shift"),
        );
        let mut reactions = Vec::new();
        for (j, r) in p.reactions.iter_mut().enumerate() {
            let rp = Element::new(&path, ".reactions", j);
            let technique = technique_ref(
                sink,
                &format_args!("{rp}.technique"),
                &r.technique,
                &technique_ids,
            );
            let mood = bounded(
                sink,
                &format_args!("{rp}.mood"),
                r.mood,
                -10,
                10,
                MOOD_CHANGE,
            );
            let trust = bounded(
                sink,
                &format_args!("{rp}.trust"),
                r.trust,
                -10,
                10,
                TRUST_CHANGE,
            );
            let score = score_items(
                sink,
                &format_args!("{rp}.score"),
                &mut r.score,
                &principle_ids,
                &step_ids,
            );
            if let Some(technique) = technique {
                reactions.push(Reaction {
                    technique,
                    mood: to_i8(mood),
                    trust: to_i8(trust),
                    score,
                });
            }
        }
        let mut streaks = Vec::new();
        check_limit(
            sink,
            &format_args!("{path}.streaks"),
            p.streaks.len(),
            MAX_STREAKS,
            term("连续使用规则", "streak rules"),
        );
        for (j, s) in p.streaks.iter_mut().enumerate() {
            let sp = Element::new(&path, ".streaks", j);
            let technique = technique_ref(
                sink,
                &format_args!("{sp}.technique"),
                &s.technique,
                &technique_ids,
            );
            let at_least = bounded(
                sink,
                &format_args!("{sp}.at_least"),
                i32::try_from(s.at_least).unwrap_or(i32::MAX),
                2,
                10,
                term("连续次数", "the streak length"),
            );
            let mood = bounded(
                sink,
                &format_args!("{sp}.mood"),
                s.mood,
                -10,
                10,
                MOOD_CHANGE,
            );
            let trust = bounded(
                sink,
                &format_args!("{sp}.trust"),
                s.trust,
                -10,
                10,
                TRUST_CHANGE,
            );
            let score = score_items(
                sink,
                &format_args!("{sp}.score"),
                &mut s.score,
                &principle_ids,
                &step_ids,
            );
            if let Some(technique) = technique {
                streaks.push(StreakRule {
                    technique,
                    at_least: to_u8(at_least),
                    mood: to_i8(mood),
                    trust: to_i8(trust),
                    score,
                });
            }
        }
        personas.push(Persona {
            id: p.id.clone(),
            name: p.name.clone(),
            description: p.description.clone(),
            reasoning: p.reasoning.clone(),
            start_mood: to_i8(start_mood),
            start_trust: to_i8(start_trust),
            reactions,
            streaks,
        });
    }
    check_limit(
        sink,
        "personas",
        personas.len(),
        16,
        term("客户类型", "behaviour types"),
    );

    let mut rule_ids = Ids::new(term("顺序规则", "order rule"));
    let mut order_rules = Vec::new();
    check_limit(
        sink,
        "order_rules",
        raw.order_rules.len(),
        MAX_ORDER_RULES,
        term("顺序规则", "order rules"),
    );
    for (i, r) in raw.order_rules.iter().enumerate() {
        let path = format!("order_rules[{i}]");
        rule_ids.add(sink, &format_args!("{path}.id"), &r.id);
        check_text(sink, &format_args!("{path}.name"), &r.name);
        check_text(sink, &format_args!("{path}.why_kept"), &r.why_kept);
        check_text(sink, &format_args!("{path}.why_broken"), &r.why_broken);
        let mut masks = [0u64; 2];
        for (k, (field, list)) in [("before", &r.before), ("then", &r.then)]
            .into_iter()
            .enumerate()
        {
            if list.is_empty() {
                sink.push(
                    Code::EmptyList,
                    format!("{path}.{field}"),
                    Text::new("至少写出一种技巧", "name at least one technique"),
                );
            }
            for (j, t) in list.iter().enumerate() {
                if let Some(idx) = technique_ref(
                    sink,
                    &format_args!("{path}.{field}[{j}]"),
                    t,
                    &technique_ids,
                ) {
                    masks[k] |= 1u64 << idx;
                }
            }
        }
        let kept = bounded(
            sink,
            &format_args!("{path}.kept"),
            r.kept,
            -MAX_POINTS,
            MAX_POINTS,
            POINTS,
        );
        let broken = bounded(
            sink,
            &format_args!("{path}.broken"),
            r.broken,
            -MAX_POINTS,
            MAX_POINTS,
            POINTS,
        );
        match principle_ids.get(&r.principle) {
            Some(p) => order_rules.push(OrderRule {
                id: r.id.clone(),
                name: r.name.clone(),
                before: masks[0],
                then: masks[1],
                principle: p as PrincipleIdx,
                kept: to_i8(kept),
                broken: to_i8(broken),
                why_kept: r.why_kept.clone(),
                why_broken: r.why_broken.clone(),
            }),
            None => sink.push(
                Code::UnknownPrinciple,
                format!("{path}.principle"),
                no_principle(&r.principle, &principle_ids),
            ),
        }
    }
    check_text(sink, "timeout.say", &raw.timeout.say);
    check_text(sink, "timeout.debrief", &raw.timeout.debrief);

    if sink.has_errors() {
        return None;
    }
    Some(Catalogue {
        pass_mark,
        principles,
        steps,
        techniques,
        personas,
        order_rules,
        timeout: Timeout {
            say: raw.timeout.say.clone(),
            debrief: raw.timeout.debrief.clone(),
        },
    })
}

/// Ids a scenario declares, for resolving references inside it.
struct ScenarioIds {
    nodes: Ids,
    facts: Ids,
    flags: Ids,
}

fn condition(
    sink: &mut Sink,
    path: &(impl Display + ?Sized),
    raw: &RawCondition,
    ids: &ScenarioIds,
    catalogue: &CatalogueIds,
) -> Option<Condition> {
    let level = |sink: &mut Sink, v: i32| {
        to_u8(bounded(
            sink,
            &format_args!("{path}[0]"),
            v,
            0,
            i32::from(SCALE_MAX),
            term("等级", "the level"),
        ))
    };
    Some(match raw {
        RawCondition::MoodAtLeast(v) => Condition::MoodAtLeast(level(sink, *v)),
        RawCondition::MoodAtMost(v) => Condition::MoodAtMost(level(sink, *v)),
        RawCondition::TrustAtLeast(v) => Condition::TrustAtLeast(level(sink, *v)),
        RawCondition::TrustAtMost(v) => Condition::TrustAtMost(level(sink, *v)),
        RawCondition::Fact(id) => match ids.facts.get(id) {
            Some(i) => Condition::Fact(i as u8),
            None => {
                let (zh, en) = known(&ids.facts);
                sink.push(
                    Code::UnknownFactOrFlag,
                    format!("{path}[0]"),
                    Text::new(
                        format!("`facts` 里没有声明事实 `{id}`{zh}"),
                        format!("no fact `{id}` is declared in `facts`{en}"),
                    ),
                );
                return None;
            }
        },
        RawCondition::Flag(id) => match ids.flags.get(id) {
            Some(i) => Condition::Flag(i as u8),
            None => {
                let (zh, en) = known(&ids.flags);
                sink.push(
                    Code::UnknownFactOrFlag,
                    format!("{path}[0]"),
                    Text::new(
                        format!("`flags` 里没有声明标记 `{id}`{zh}"),
                        format!("no flag `{id}` is declared in `flags`{en}"),
                    ),
                );
                return None;
            }
        },
        RawCondition::Persona(id) => Condition::Persona(persona_ref(
            sink,
            &format_args!("{path}[0]"),
            id,
            &catalogue.personas,
        )?),
        RawCondition::Not(inner) => Condition::Not(Box::new(condition(
            sink,
            &format_args!("{path}[0]"),
            inner,
            ids,
            catalogue,
        )?)),
        RawCondition::All(list) | RawCondition::Any(list) => {
            let mut out = Vec::new();
            let mut ok = true;
            for (i, c) in list.iter().enumerate() {
                match condition(sink, &format_args!("{path}[0][{i}]"), c, ids, catalogue) {
                    Some(c) => out.push(c),
                    None => ok = false,
                }
            }
            if !ok {
                return None;
            }
            if matches!(raw, RawCondition::All(_)) {
                Condition::All(out)
            } else {
                Condition::Any(out)
            }
        }
    })
}

fn node_ref(
    sink: &mut Sink,
    path: &(impl Display + ?Sized),
    id: &str,
    ids: &ScenarioIds,
) -> NodeIdx {
    match ids.nodes.get(id) {
        Some(i) => i as NodeIdx,
        None => {
            let (zh, en) = closest(id, ids.nodes.seen.keys().map(String::as_str))
                .map(|c| {
                    (
                        format!("（是不是 `{c}`？）"),
                        format!(" (did you mean `{c}`?)"),
                    )
                })
                .unwrap_or_default();
            sink.push(
                Code::UnknownNode,
                path,
                Text::new(
                    format!("这个情景里没有节点 `{id}`{zh}"),
                    format!("no node `{id}` in this scenario{en}"),
                ),
            );
            0
        }
    }
}

/// The known name nearest to a misspelt one, if it is near enough to be a likely typo.
fn closest<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    names
        .map(|n| (edit_distance(wanted, n), n))
        .filter(|(d, n)| *d <= 2.max(n.len() / 4))
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn bit_refs(
    sink: &mut Sink,
    path: &(impl Display + ?Sized),
    list: &[String],
    ids: &Ids,
    field: &str,
) -> u64 {
    let mut mask = 0;
    for (i, id) in list.iter().enumerate() {
        match ids.get(id) {
            Some(idx) => mask |= 1u64 << idx,
            None => {
                let (zh, en) = known(ids);
                sink.push(
                    Code::UnknownFactOrFlag,
                    format!("{path}[{i}]"),
                    Text::new(
                        format!("`{field}` 里没有声明{} `{id}`{zh}", ids.what.zh),
                        format!("no {} `{id}` is declared in `{field}`{en}", ids.what.en),
                    ),
                )
            }
        }
    }
    mask
}

/// Checks a parsed scenario against the catalogue. Returns it only when it has no errors.
///
/// The texts move from `raw` into the checked scenario rather than being copied: a large file
/// holds hundreds of thousands of them.
pub fn scenario(
    raw: &mut RawScenario,
    catalogue: &CatalogueIds,
    source: &str,
    sink: &mut Sink,
) -> Option<Scenario> {
    if raw.id.is_empty()
        || !raw
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        sink.push(
            Code::WrongValue,
            "id",
            Text::new(
                format!("情景 id {:?} 只能由小写字母、数字、`-` 或 `_` 组成", raw.id),
                format!(
                    "the scenario id {:?} must be lower-case letters, digits, `-` or `_`",
                    raw.id
                ),
            ),
        );
    }
    if raw.version == 0 {
        sink.push(
            Code::OutOfBounds,
            "version",
            Text::new("版本号从 1 开始", "the version starts at 1"),
        );
    }
    let persona = persona_ref(sink, "persona", &raw.persona, &catalogue.personas);
    let difficulty = bounded(
        sink,
        "difficulty",
        i32::try_from(raw.difficulty).unwrap_or(i32::MAX),
        1,
        3,
        term("难度", "the difficulty"),
    );
    let max_turns = bounded(
        sink,
        "max_turns",
        i32::try_from(raw.max_turns).unwrap_or(i32::MAX),
        1,
        500,
        term("回合上限", "the turn limit"),
    );
    check_text(sink, "title", &raw.title);
    check_text(sink, "summary", &raw.summary);
    check_text(sink, "customer.name", &raw.customer.name);
    check_text(sink, "customer.car", &raw.customer.car);
    check_text(sink, "customer.complaint", &raw.customer.complaint);
    check_texts(
        sink,
        "notes.goals",
        &raw.notes.goals,
        term("培训目标", "the trainer's goals"),
    );
    check_text(sink, "notes.manual", &raw.notes.manual);
    check_texts(
        sink,
        "notes.discussion",
        &raw.notes.discussion,
        term("讨论题", "the discussion questions"),
    );
    let start_mood = bounded(
        sink,
        "start.mood",
        raw.start.mood,
        0,
        i32::from(SCALE_MAX),
        term("开始时的情绪", "the starting mood"),
    );
    let start_trust = bounded(
        sink,
        "start.trust",
        raw.start.trust,
        0,
        i32::from(SCALE_MAX),
        term("开始时的信任", "the starting trust"),
    );

    let mut ids = ScenarioIds {
        nodes: Ids::new(term("节点", "node")),
        facts: Ids::new(term("事实", "fact")),
        flags: Ids::new(term("标记", "flag")),
    };
    let mut facts = Vec::new();
    check_limit(
        sink,
        "facts",
        raw.facts.len(),
        MAX_FACTS,
        term("事实", "facts"),
    );
    for (i, f) in raw.facts.iter().enumerate() {
        ids.facts.add(sink, &format_args!("facts[{i}].id"), &f.id);
        check_text(sink, &format_args!("facts[{i}].text"), &f.text);
        facts.push(Fact {
            id: f.id.clone(),
            text: f.text.clone(),
        });
    }
    check_limit(
        sink,
        "flags",
        raw.flags.len(),
        MAX_FLAGS,
        term("标记", "flags"),
    );
    for (i, f) in raw.flags.iter().enumerate() {
        ids.flags.add(sink, &format_args!("flags[{i}]"), f);
    }
    if raw.nodes.is_empty() {
        sink.push(
            Code::EmptyList,
            "nodes",
            Text::new(
                "一个情景至少要有一个回合和一个结局",
                "a scenario needs at least one turn and one ending",
            ),
        );
    }
    for (i, node) in raw.nodes.iter().enumerate() {
        let id = match node {
            RawNode::Turn(t) => &t.id,
            RawNode::Ending(e) => &e.id,
        };
        ids.nodes.add(sink, &format_args!("nodes[{i}].id"), id);
    }
    let start = match &raw.start_node {
        Some(id) => node_ref(sink, "start_node", id, &ids),
        None => 0,
    };

    let mut escalation_ids = Ids::new(term("升级", "escalation"));
    let mut escalations = Vec::new();
    check_limit(
        sink,
        "escalations",
        raw.escalations.len(),
        MAX_ESCALATIONS,
        term("升级", "escalations"),
    );
    for (i, e) in raw.escalations.iter().enumerate() {
        let path = Element::new("", "escalations", i);
        escalation_ids.add(sink, &format_args!("{path}.id"), &e.id);
        let goto = node_ref(sink, &format_args!("{path}.goto"), &e.goto, &ids);
        if let Some(when) = condition(sink, &format_args!("{path}.when"), &e.when, &ids, catalogue)
        {
            escalations.push(Escalation {
                id: e.id.clone(),
                when,
                goto,
            });
        }
    }

    let mut nodes = Vec::new();
    for (i, node) in raw.nodes.iter_mut().enumerate() {
        let path = Element::new("", "nodes", i);
        nodes.push(match node {
            RawNode::Turn(t) => {
                // The turn's messages name it, so its id moves out last.
                let kind = NodeKind::Turn(turn(sink, &path, t, &ids, catalogue));
                Node {
                    id: std::mem::take(&mut t.id),
                    kind,
                }
            }
            RawNode::Ending(e) => {
                check_text(sink, &format_args!("{path}.title"), &e.title);
                check_texts(
                    sink,
                    &format_args!("{path}.say"),
                    &e.say,
                    term("结局", "an ending"),
                );
                check_text(sink, &format_args!("{path}.debrief"), &e.debrief);
                Node {
                    id: std::mem::take(&mut e.id),
                    kind: NodeKind::Ending(Ending {
                        outcome: e.outcome,
                        title: std::mem::take(&mut e.title),
                        say: std::mem::take(&mut e.say),
                        debrief: std::mem::take(&mut e.debrief),
                        score: score_items(
                            sink,
                            &format_args!("{path}.score"),
                            &mut e.score,
                            &catalogue.principles,
                            &catalogue.steps,
                        ),
                    }),
                }
            }
        });
    }
    if !nodes.is_empty() && !nodes.iter().any(|n| matches!(n.kind, NodeKind::Ending(_))) {
        sink.push(
            Code::EmptyList,
            "nodes",
            Text::new(
                "一个情景至少要有一个 `Ending`",
                "a scenario needs at least one `Ending`",
            ),
        );
    }

    if sink.has_errors() {
        return None;
    }
    let scenario = Scenario {
        id: raw.id.clone(),
        version: raw.version,
        kind: raw.kind,
        persona: persona?,
        difficulty: to_u8(difficulty),
        title: raw.title.clone(),
        summary: raw.summary.clone(),
        customer: Customer {
            name: raw.customer.name.clone(),
            car: raw.customer.car.clone(),
            complaint: raw.customer.complaint.clone(),
        },
        notes: TrainerNotes {
            goals: raw.notes.goals.clone(),
            manual: raw.notes.manual.clone(),
            discussion: raw.notes.discussion.clone(),
        },
        start_mood: to_u8(start_mood),
        start_trust: to_u8(start_trust),
        facts,
        flags: raw.flags.clone(),
        escalations,
        start,
        max_turns: u32::try_from(max_turns).unwrap_or(40),
        nodes,
        source: source.to_string(),
    };
    graph_checks(&scenario, sink);
    if sink.has_errors() {
        None
    } else {
        Some(scenario)
    }
}

fn turn(
    sink: &mut Sink,
    path: &(impl Display + ?Sized),
    t: &mut RawTurn,
    ids: &ScenarioIds,
    catalogue: &CatalogueIds,
) -> Turn {
    let step = match catalogue.steps.get(&t.step) {
        Some(s) => s as StepIdx,
        None => {
            let (zh, en) = known(&catalogue.steps);
            sink.push(
                Code::UnknownStep,
                format!("{path}.step"),
                Text::new(
                    format!("通用目录里没有处理步骤 `{}`{zh}", t.step),
                    format!("no handling step `{}` in the catalogue{en}", t.step),
                ),
            );
            0
        }
    };
    check_texts(
        sink,
        &format_args!("{path}.say"),
        &t.say,
        term("回合", "a turn"),
    );
    let mut say_as = Vec::new();
    let mut seen_personas = HashSet::new();
    for (i, a) in t.say_as.iter_mut().enumerate() {
        let ap = Element::new(path, ".say_as", i);
        check_texts(
            sink,
            &format_args!("{ap}.say"),
            &a.say,
            term("客户类型的台词", "a behaviour type's variant"),
        );
        if let Some(p) = persona_ref(
            sink,
            &format_args!("{ap}.persona"),
            &a.persona,
            &catalogue.personas,
        ) {
            if !seen_personas.insert(p) {
                sink.push(
                    Code::DuplicateId,
                    format!("{ap}.persona"),
                    Text::new(
                        format!("客户类型 `{}` 在这个回合里有两组台词", a.persona),
                        format!(
                            "behaviour type `{}` has two sets of lines in this turn",
                            a.persona
                        ),
                    ),
                );
            }
            say_as.push((p, std::mem::take(&mut a.say)));
        }
    }
    if t.replies.is_empty() {
        sink.push(
            Code::DeadEnd,
            format!("{path}.replies"),
            Text::new(
                format!("回合 `{}` 没有回应，对话无法继续（要在这里结束，请改用 `Ending`）", t.id),
                format!("turn `{}` has no replies, so the conversation cannot go on (end it with an `Ending` instead)", t.id),
            ),
        );
    } else if t.replies.len() == 1 {
        sink.push(
            Code::SingleReply,
            format!("{path}.replies"),
            Text::new(
                format!("回合 `{}` 只有一条回应，学员没有选择的余地", t.id),
                format!(
                    "turn `{}` offers only one reply, so the trainee has no choice",
                    t.id
                ),
            ),
        );
    }
    let mut reply_ids = Ids::new(term("回应", "reply"));
    let mut replies = Vec::new();
    let mut technique_sets: Vec<(u64, usize)> = Vec::new();
    for (i, r) in t.replies.iter_mut().enumerate() {
        let rp = Element::new(path, ".replies", i);
        let id = r.id.take().unwrap_or_else(|| format!("{}", i + 1));
        reply_ids.add(sink, &format_args!("{rp}.id"), &id);
        check_text(sink, &format_args!("{rp}.text"), &r.text);
        let mut techniques = Vec::new();
        let mut technique_mask = 0u64;
        if r.techniques.is_empty() {
            sink.push(
                Code::EmptyList,
                format!("{rp}.techniques"),
                Text::new(
                    "请为这条回应标注至少一种技巧",
                    "tag the reply with at least one technique",
                ),
            );
        }
        for (j, name) in r.techniques.iter().enumerate() {
            if let Some(idx) = technique_ref(
                sink,
                &format_args!("{rp}.techniques[{j}]"),
                name,
                &catalogue.techniques,
            ) {
                if technique_mask & (1u64 << idx) == 0 {
                    techniques.push(idx);
                }
                technique_mask |= 1u64 << idx;
            }
        }
        // Replies shown under different conditions may share techniques; only always-shown ones compete.
        if technique_mask != 0 && r.requires.is_none() {
            if let Some((_, other)) = technique_sets.iter().find(|(m, _)| *m == technique_mask) {
                sink.push(
                    Code::SameTechniques,
                    format!("{rp}.techniques"),
                    Text::new(
                        format!(
                            "回合 `{}` 的第 {} 条和第 {} 条回应所用的技巧相同",
                            t.id,
                            other + 1,
                            i + 1
                        ),
                        format!(
                            "replies {} and {} of turn `{}` use the same techniques",
                            other + 1,
                            i + 1,
                            t.id
                        ),
                    ),
                );
            }
            technique_sets.push((technique_mask, i));
        }
        let mood = bounded(
            sink,
            &format_args!("{rp}.mood"),
            r.mood,
            -10,
            10,
            MOOD_CHANGE,
        );
        let trust = bounded(
            sink,
            &format_args!("{rp}.trust"),
            r.trust,
            -10,
            10,
            TRUST_CHANGE,
        );
        let score = score_items(
            sink,
            &format_args!("{rp}.score"),
            &mut r.score,
            &catalogue.principles,
            &catalogue.steps,
        );
        let reveals = bit_refs(
            sink,
            &format_args!("{rp}.reveals"),
            &r.reveals,
            &ids.facts,
            "facts",
        );
        let sets = bit_refs(
            sink,
            &format_args!("{rp}.sets"),
            &r.sets,
            &ids.flags,
            "flags",
        );
        let clears = bit_refs(
            sink,
            &format_args!("{rp}.clears"),
            &r.clears,
            &ids.flags,
            "flags",
        );
        let requires = r
            .requires
            .as_ref()
            .and_then(|c| condition(sink, &format_args!("{rp}.requires"), c, ids, catalogue));
        for (j, line) in r.react.iter().enumerate() {
            check_text(sink, &format_args!("{rp}.react[{j}]"), line);
        }
        let goto = node_ref(sink, &format_args!("{rp}.goto"), &r.goto, ids);
        let mut branches = Vec::new();
        for (j, b) in r.branches.iter().enumerate() {
            let bp = Element::new(&rp, ".branches", j);
            let to = node_ref(sink, &format_args!("{bp}.goto"), &b.goto, ids);
            if let Some(when) = condition(sink, &format_args!("{bp}.when"), &b.when, ids, catalogue)
            {
                branches.push((when, to));
            }
        }
        replies.push(Reply {
            id,
            text: std::mem::take(&mut r.text),
            techniques,
            technique_mask,
            mood: to_i8(mood),
            trust: to_i8(trust),
            score,
            reveals,
            sets,
            clears,
            requires,
            react: std::mem::take(&mut r.react),
            goto,
            branches,
        });
    }
    Turn {
        step,
        say: std::mem::take(&mut t.say),
        say_as,
        replies,
    }
}

/// Structural checks on the node graph: unreachable nodes and loops that cannot be left.
fn graph_checks(scenario: &Scenario, sink: &mut Sink) {
    let n = scenario.nodes.len();
    let successors: Vec<Vec<NodeIdx>> = (0..n).map(|i| scenario.successors(i as NodeIdx)).collect();
    let mut reached = vec![false; n];
    let mut queue = vec![scenario.start];
    reached[scenario.start as usize] = true;
    while let Some(node) = queue.pop() {
        for &next in &successors[node as usize] {
            if !reached[next as usize] {
                reached[next as usize] = true;
                queue.push(next);
            }
        }
    }
    for (i, node) in scenario.nodes.iter().enumerate() {
        if !reached[i] {
            sink.push(
                Code::UnreachableNode,
                format!("nodes[{i}].id"),
                Text::new(
                    format!("从开头出发，没有任何路径能到达节点 `{}`", node.id),
                    format!("no path from the start reaches node `{}`", node.id),
                ),
            );
        }
    }
    for component in strongly_connected(&successors) {
        let members: HashSet<NodeIdx> = component.iter().copied().collect();
        let is_loop =
            component.len() > 1 || successors[component[0] as usize].contains(&component[0]);
        if !is_loop || !reached[component[0] as usize] {
            continue;
        }
        let leaves = component
            .iter()
            .any(|&m| successors[m as usize].iter().any(|s| !members.contains(s)));
        if !leaves {
            let first = component.iter().copied().min().unwrap_or(0);
            let names: Vec<&str> = {
                let mut sorted = component.clone();
                sorted.sort_unstable();
                sorted
                    .iter()
                    .map(|&m| scenario.node(m).id.as_str())
                    .collect()
            };
            sink.push(
                Code::LoopWithoutExit,
                format!("nodes[{first}].id"),
                Text::new(
                    format!("节点 {} 构成一个循环，没有出路通向结局", names.join(" → ")),
                    format!(
                        "nodes {} form a loop with no way out to an ending",
                        names.join(" → ")
                    ),
                ),
            );
        }
    }
}

/// Tarjan's algorithm without recursion, so that a long chain of nodes cannot overflow the stack.
pub fn strongly_connected(successors: &[Vec<NodeIdx>]) -> Vec<Vec<NodeIdx>> {
    let n = successors.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut next_index = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut edge)) = work.last_mut() {
            if let Some(&w) = successors[v].get(*edge) {
                *edge += 1;
                let w = w as usize;
                if index[w] == usize::MAX {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
            } else {
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut component = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component.push(w as NodeIdx);
                        if w == v {
                            break;
                        }
                    }
                    components.push(component);
                }
            }
        }
    }
    components
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_components() {
        // 0 → 1 → 2 → 1, 2 → 3
        let graph = vec![vec![1], vec![2], vec![1, 3], vec![]];
        let mut comps: Vec<Vec<NodeIdx>> = strongly_connected(&graph)
            .into_iter()
            .map(|mut c| {
                c.sort_unstable();
                c
            })
            .collect();
        comps.sort();
        assert_eq!(comps, vec![vec![0], vec![1, 2], vec![3]]);
    }

    #[test]
    fn suggests_near_names() {
        assert_eq!(
            closest("apologies", ["apologise", "explain"].into_iter()),
            Some("apologise")
        );
        assert_eq!(closest("xyz", ["apologise"].into_iter()), None);
    }
}
