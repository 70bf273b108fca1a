//! xAPI 1.0.3 statements for one attempt, following the ADL vocabulary and cmi5's conventions:
//! `initialized` → `responded` per turn (a cmi.interaction of type choice) → `scored` per
//! principle (an objective) → `passed` or `failed` → `terminated`, all with the attempt's id as
//! `context.registration`. Statement ids are derived from the attempt, so sending the same
//! attempt twice sends the same statements, which a store keeps once.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::records::time::{iso_duration, iso_timestamp};
use crate::records::{AttemptRecord, Trainee};
use crate::scenario::Text;

const ADL_VERBS: &str = "http://adlnet.gov/expapi/verbs/";
const INTERACTION: &str = "http://adlnet.gov/expapi/activities/cmi.interaction";
const OBJECTIVE: &str = "http://adlnet.gov/expapi/activities/objective";
const SIMULATION: &str = "http://adlnet.gov/expapi/activities/simulation";
/// The namespace statement ids are derived in (a v5 UUID of "complaint-trainer/xapi").
const STATEMENT_NAMESPACE: Uuid = Uuid::from_u128(0x6f1d_52a4_3c0e_4d8b_9a51_0c2e_7b44_a913);

fn verb(id: &str, en: &str, zh: &str) -> Value {
    json!({ "id": format!("{ADL_VERBS}{id}"), "display": { "en-US": en, "zh-CN": zh } })
}

fn lang_map(text: &Text) -> Value {
    json!({ "en-US": text.en, "zh-CN": text.zh })
}

/// The IRI base that activities and extensions hang from: the organisation's home page.
fn base(home_page: &str) -> String {
    format!("{}/complaint-trainer", home_page.trim_end_matches('/'))
}

/// The trainee as an xAPI agent identified by an account at the organisation.
pub fn actor(trainee: &Trainee, home_page: &str) -> Value {
    let account_name = if trainee.employee_no.is_empty() {
        format!("trainee-{}", trainee.id)
    } else {
        trainee.employee_no.clone()
    };
    json!({
        "objectType": "Agent",
        "name": trainee.name,
        "account": { "homePage": home_page, "name": account_name },
    })
}

/// Every statement for one attempt, in the order they happened.
pub fn attempt_statements(
    record: &AttemptRecord,
    trainee: &Trainee,
    home_page: &str,
) -> Vec<Value> {
    let base = base(home_page);
    let t = &record.transcript;
    let scenario_iri = format!("{base}/scenarios/{}", t.scenario);
    let scenario = json!({
        "objectType": "Activity",
        "id": scenario_iri,
        "definition": {
            "type": SIMULATION,
            "name": { "en-US": t.scenario, "zh-CN": t.scenario },
        },
    });
    let registration = record.id.to_string();
    let extensions = json!({
        format!("{base}/extensions/behaviour-type"): t.persona,
        format!("{base}/extensions/mode"): t.mode.as_str(),
        format!("{base}/extensions/seed"): t.seed.to_string(),
        format!("{base}/extensions/scenario-version"): t.scenario_version,
    });
    let context = |parent: bool| {
        let mut c = json!({
            "registration": registration,
            "platform": "complaint-trainer",
            "extensions": extensions,
        });
        if parent {
            c["contextActivities"] =
                json!({ "parent": [{ "objectType": "Activity", "id": scenario_iri }] });
        }
        c
    };
    let actor = actor(trainee, home_page);
    let started = iso_timestamp(record.started_at);
    let ended = iso_timestamp(record.ended_at);
    let mut statements = Vec::new();
    let mut push = |mut s: Value| {
        let index = statements.len();
        let id = Uuid::new_v5(
            &STATEMENT_NAMESPACE,
            format!("{registration}/{index}").as_bytes(),
        );
        s["id"] = json!(id.to_string());
        s["actor"] = actor.clone();
        statements.push(s);
    };

    push(json!({
        "verb": verb("initialized", "initialized", "开始"),
        "object": scenario,
        "context": context(false),
        "timestamp": started,
    }));
    for turn in &t.turns {
        let choices: Vec<Value> = turn
            .shown
            .iter()
            .map(|id| {
                let description = if *id == turn.chosen {
                    lang_map(&turn.chosen_text)
                } else if turn.better.as_deref() == Some(id.as_str()) {
                    turn.better_text
                        .as_ref()
                        .map_or_else(|| json!({ "en-US": id }), lang_map)
                } else {
                    json!({ "en-US": id, "zh-CN": id })
                };
                json!({ "id": id, "description": description })
            })
            .collect();
        let best = turn.better.clone().unwrap_or_else(|| turn.chosen.clone());
        let points: i32 = turn.events.iter().map(|e| e.points).sum();
        push(json!({
            "verb": verb("responded", "responded", "回应"),
            "object": {
                "objectType": "Activity",
                "id": format!("{scenario_iri}/turns/{}", turn.node),
                "definition": {
                    "type": INTERACTION,
                    "name": { "en-US": format!("{} turn {}", t.scenario, turn.turn), "zh-CN": format!("{} 第 {} 轮", t.scenario, turn.turn) },
                    "description": lang_map(&turn.say),
                    "interactionType": "choice",
                    "correctResponsesPattern": [best],
                    "choices": choices,
                },
            },
            "result": {
                "response": turn.chosen,
                "success": turn.better.is_none(),
                "extensions": {
                    format!("{base}/extensions/techniques"): turn.techniques,
                    format!("{base}/extensions/points"): points,
                    format!("{base}/extensions/retries"): turn.retries,
                },
            },
            "context": context(true),
            "timestamp": started,
        }));
    }
    for p in &record.score.principles {
        let Some(percent) = p.percent else { continue };
        push(json!({
            "verb": verb("scored", "scored", "得分"),
            "object": {
                "objectType": "Activity",
                "id": format!("{base}/principles/{}", p.id),
                "definition": { "type": OBJECTIVE, "name": lang_map(&p.name) },
            },
            "result": {
                "score": {
                    "scaled": (percent / 100.0).clamp(0.0, 1.0),
                    "raw": p.points,
                    "min": p.min,
                    "max": p.max,
                },
            },
            "context": context(true),
            "timestamp": ended,
        }));
    }
    let passed = record.score.passed;
    push(json!({
        "verb": if passed { verb("passed", "passed", "通过") } else { verb("failed", "failed", "未通过") },
        "object": scenario,
        "result": {
            "score": { "scaled": (record.score.total / 100.0).clamp(0.0, 1.0), "raw": record.score.total, "min": 0, "max": 100 },
            "success": passed,
            "duration": iso_duration(record.duration_secs),
        },
        "context": context(false),
        "timestamp": ended,
    }));
    push(json!({
        "verb": verb("terminated", "terminated", "结束"),
        "object": scenario,
        "result": { "duration": iso_duration(record.duration_secs) },
        "context": context(false),
        "timestamp": ended,
    }));
    statements
}
