//! Sending queued xAPI statements to a Learning Record Store, with retries, so that an offline
//! classroom loses nothing and nothing is sent twice.

use serde::{Deserialize, Serialize};

/// Where statements go. The password is needed to send, so it is kept as typed, in the
/// records file only, and never printed or logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LrsConfig {
    /// The LRS's xAPI endpoint, e.g. `https://lrs.example.com/xAPI/`.
    pub endpoint: String,
    pub username: String,
    pub password: String,
    /// The organisation's home page: agents' accounts and activity ids hang from it.
    pub home_page: String,
}

impl std::fmt::Debug for LrsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LrsConfig")
            .field("endpoint", &self.endpoint)
            .field("username", &self.username)
            .field("password", &"(hidden)")
            .field("home_page", &self.home_page)
            .finish()
    }
}

use std::time::Duration;

use serde_json::Value;

use super::time::now_secs;
use super::{Db, RecordsError};
use crate::scenario::Text;

/// Statements per request.
const BATCH: usize = 50;
/// The longest wait between tries of one statement.
const MAX_BACKOFF_SECS: i64 = 3600;

/// What one round of sending did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Accepted by the store now.
    pub sent: u64,
    /// The store had them already (sent before, answer lost): not sent twice.
    pub already_there: u64,
    /// Not accepted this time; they stay queued for a later try.
    pub failed: u64,
    /// Still waiting after this round (including those whose next try is not due).
    pub waiting: u64,
    /// The last problem, as the store or the network put it.
    pub last_error: Option<String>,
}

impl LrsConfig {
    fn statements_url(&self) -> String {
        format!("{}/statements", self.endpoint.trim_end_matches('/'))
    }

    fn authorization(&self) -> String {
        format!(
            "Basic {}",
            base64(format!("{}:{}", self.username, self.password).as_bytes())
        )
    }

    /// Whether the settings, as typed, can be used; if not, why, in both languages.
    pub fn check(&self) -> Result<(), Text> {
        let url_ok = |u: &str| u.starts_with("http://") || u.starts_with("https://");
        if !url_ok(&self.endpoint) {
            return Err(Text::new(
                format!(
                    "接收端地址 `{}` 必须以 http:// 或 https:// 开头",
                    self.endpoint
                ),
                format!(
                    "the endpoint `{}` must start with http:// or https://",
                    self.endpoint
                ),
            ));
        }
        if !url_ok(&self.home_page) {
            return Err(Text::new(
                format!(
                    "机构主页 `{}` 必须以 http:// 或 https:// 开头",
                    self.home_page
                ),
                format!(
                    "the home page `{}` must start with http:// or https://",
                    self.home_page
                ),
            ));
        }
        if self.username.contains(':') {
            return Err(Text::new(
                "用户名不能含有 `:`",
                "the username cannot contain `:`",
            ));
        }
        Ok(())
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// How one request went.
enum Answer {
    Accepted,
    /// 409: the store has a statement with this id.
    Conflict,
    /// Worth trying again later: network trouble, 408, 429, 5xx.
    Retry(String),
    /// The store refuses the request as it is (400, 401, 403, 413 …).
    Refused(String),
}

fn send(agent: &ureq::Agent, config: &LrsConfig, method: &str, url: &str, body: String) -> Answer {
    let request = if method == "PUT" {
        agent.put(url)
    } else {
        agent.post(url)
    };
    let response = request
        .header("X-Experience-API-Version", "1.0.3")
        .header("Authorization", config.authorization())
        .content_type("application/json")
        .send(body);
    match response {
        Ok(mut r) => {
            let status = r.status().as_u16();
            match status {
                200..=299 => Answer::Accepted,
                409 => Answer::Conflict,
                _ => {
                    let text = r.body_mut().read_to_string().unwrap_or_default();
                    let detail = format!(
                        "{url} answered {status}: {}",
                        text.chars().take(300).collect::<String>()
                    );
                    if status == 408 || status == 429 || status >= 500 {
                        Answer::Retry(detail)
                    } else {
                        Answer::Refused(detail)
                    }
                }
            }
        }
        Err(e) => Answer::Retry(format!("{url}: {e}")),
    }
}

/// Seconds to wait before the next try, after `tries` failures: 30 s doubling to an hour.
pub fn backoff_secs(tries: u32) -> i64 {
    (30i64 << tries.min(7)).min(MAX_BACKOFF_SECS)
}

/// Sends what is due in the outbox (everything waiting, with `now_anyway`, when a person asked).
/// Each batch is one POST; when the store answers 409 for a
/// batch (some statement already there), its statements go one by one with PUT and a
/// `statementId`, where 409 means "already stored" and counts as delivered.
pub fn sync_once(
    db: &Db,
    config: &LrsConfig,
    timeout: Duration,
    now_anyway: bool,
) -> Result<SyncReport, RecordsError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let url = config.statements_url();
    let mut report = SyncReport::default();
    let now = now_secs();
    let due_by = if now_anyway { i64::MAX } else { now };
    let tries_of = |db: &Db, id: i64| db.outbox_tries(id).unwrap_or(0);
    let mut after = 0;
    loop {
        let due = db.outbox_due(due_by, after, BATCH)?;
        let Some(last) = due.last() else {
            break;
        };
        after = last.0;
        let ids: Vec<i64> = due.iter().map(|(id, _)| *id).collect();
        let batch: Vec<&Value> = due.iter().map(|(_, s)| s).collect();
        let body = serde_json::to_string(&batch).map_err(|source| RecordsError::Stored {
            what: "a queued statement".into(),
            source,
        })?;
        match send(&agent, config, "POST", &url, body) {
            Answer::Accepted => {
                db.outbox_mark_sent(&ids, now_secs())?;
                report.sent += ids.len() as u64;
            }
            Answer::Conflict => {
                for (id, statement) in &due {
                    let sid = statement
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    let one_url = format!("{url}?statementId={sid}");
                    match send(&agent, config, "PUT", &one_url, statement.to_string()) {
                        Answer::Accepted => {
                            db.outbox_mark_sent(&[*id], now_secs())?;
                            report.sent += 1;
                        }
                        Answer::Conflict => {
                            db.outbox_mark_sent(&[*id], now_secs())?;
                            report.already_there += 1;
                        }
                        Answer::Retry(e) | Answer::Refused(e) => {
                            db.outbox_mark_failed(
                                &[*id],
                                &e,
                                now + backoff_secs(tries_of(db, *id)),
                            )?;
                            report.failed += 1;
                            report.last_error = Some(e);
                        }
                    }
                }
            }
            Answer::Retry(e) | Answer::Refused(e) => {
                // Nothing in this round will fare better: leave the rest for the next round.
                let next = now + backoff_secs(ids.first().map_or(0, |id| tries_of(db, *id)));
                db.outbox_mark_failed(&ids, &e, next)?;
                report.failed += ids.len() as u64;
                report.last_error = Some(e);
                break;
            }
        }
    }
    report.waiting = db.outbox_status()?.0;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64("培训:pw".as_bytes()), "5Z+56K6tOnB3");
    }

    #[test]
    fn unusable_settings_say_why_in_both_languages() {
        let good = LrsConfig {
            endpoint: "https://lrs.example.com/xapi/".into(),
            username: "trainer".into(),
            password: "secret".into(),
            home_page: "https://dealer.example.com".into(),
        };
        assert_eq!(good.check(), Ok(()));
        let no_scheme = LrsConfig {
            endpoint: "lrs.example.com".into(),
            ..good.clone()
        };
        let why = no_scheme.check().unwrap_err();
        assert!(
            why.zh.contains("接收端地址 `lrs.example.com`"),
            "{}",
            why.zh
        );
        assert!(
            why.en.contains("the endpoint `lrs.example.com`"),
            "{}",
            why.en
        );
        let colon = LrsConfig {
            username: "a:b".into(),
            ..good
        };
        assert_eq!(colon.check().unwrap_err().zh, "用户名不能含有 `:`");
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_secs(0), 30);
        assert_eq!(backoff_secs(1), 60);
        assert_eq!(backoff_secs(10), 3600);
    }
}
