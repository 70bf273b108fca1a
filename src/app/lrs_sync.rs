//! Sends queued xAPI statements to the Learning Record Store in the background: shortly after
//! start, then once a minute while there is anything to send. An offline classroom simply
//! keeps its queue until the store answers.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bevy::prelude::*;

use crate::app::state::RecordsStore;
use crate::records::Db;
use crate::records::sync::{SyncReport, sync_once};

/// How often the queue is looked at.
const EVERY: Duration = Duration::from_secs(60);
/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The round under way, and how the last one went.
#[derive(Resource, Debug, Default)]
pub struct LrsSync {
    job: Option<JoinHandle<Result<SyncReport, String>>>,
    last_look: Option<Instant>,
    pub last: Option<Result<SyncReport, String>>,
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<LrsSync>();
    app.add_systems(Update, tick);
}

fn tick(records: Res<RecordsStore>, mut sync: ResMut<LrsSync>) {
    if sync.job.as_ref().is_some_and(|j| j.is_finished())
        && let Some(job) = sync.job.take()
    {
        let result = job
            .join()
            .unwrap_or_else(|_| Err("the sending thread stopped".into()));
        if let Err(e) = &result {
            warn!("LRS sync: {e}");
        }
        sync.last = Some(result);
    }
    if sync.job.is_some() || sync.last_look.is_some_and(|t| t.elapsed() < EVERY) {
        return;
    }
    sync.last_look = Some(Instant::now());
    let Some(path) = records.db.path().map(std::path::Path::to_path_buf) else {
        return;
    };
    let config = match records.db.lrs_config() {
        Ok(Some(c)) => c,
        _ => return,
    };
    if records
        .db
        .outbox_status()
        .map_or(true, |(waiting, _, _)| waiting == 0)
    {
        return;
    }
    // Its own connection: the app's stays free while the network is slow.
    sync.job = Some(std::thread::spawn(move || {
        let db = Db::open(&path).map_err(|e| e.to_string())?;
        sync_once(&db, &config, TIMEOUT, false).map_err(|e| e.to_string())
    }));
}
