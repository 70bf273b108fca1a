//! Scenario files through Bevy's asset system: loaded as bytes, validated by the core, and
//! reloaded when an author saves a change.

use std::path::{Path, PathBuf};

use bevy::asset::io::{AssetSourceBuilder, Reader};
use bevy::asset::{AssetLoader, LoadContext, LoadState};
use bevy::prelude::*;

use super::state::{Notices, ScenarioLibrary};
use crate::scenario::load::CATALOGUE_FILE;
use crate::scenario::{ScenarioSource, SourceFile, Sources};

/// The asset source that serves the scenario folder.
const SOURCE_ID: &str = "scenarios";

/// One scenario or catalogue file, as bytes; the core parses and checks it.
#[derive(Asset, TypePath, Debug)]
pub struct ScenarioFileAsset {
    pub bytes: Vec<u8>,
}

#[derive(Debug, Default, TypePath)]
struct ScenarioFileLoader;

impl AssetLoader for ScenarioFileLoader {
    type Asset = ScenarioFileAsset;
    type Settings = ();
    type Error = std::io::Error;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _settings: &(),
        _load_context: &mut LoadContext<'_>,
    ) -> Result<ScenarioFileAsset, std::io::Error> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).await?;
        Ok(ScenarioFileAsset { bytes })
    }

    fn extensions(&self) -> &[&str] {
        &["ron"]
    }
}

/// The scenario folder and the handles of its files.
#[derive(Resource, Debug)]
struct ScenarioFolder {
    dir: PathBuf,
    files: Vec<(String, Handle<ScenarioFileAsset>)>,
    /// A file changed (or first arrived) and the library has not been rebuilt since.
    stale: bool,
    /// What the library was last built from (see `fingerprint`): an editor that saves a file
    /// unchanged, or a file's "added" news arriving a frame after its contents, rebuilds
    /// nothing.
    built_from: Option<u64>,
}

/// Registers the scenario folder as an asset source; called before `AssetPlugin` is added.
pub(super) fn register_source(app: &mut App, source: &ScenarioSource) {
    if let ScenarioSource::Dir(dir) = source {
        let absolute = std::path::absolute(dir).unwrap_or_else(|_| dir.clone());
        app.register_asset_source(
            SOURCE_ID,
            AssetSourceBuilder::platform_default(&absolute.to_string_lossy(), None),
        );
        app.insert_resource(ScenarioFolder {
            dir: dir.clone(),
            files: Vec::new(),
            stale: true,
            built_from: None,
        });
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_asset::<ScenarioFileAsset>();
    app.register_asset_loader(ScenarioFileLoader);
    app.add_systems(Startup, start_loading);
    app.add_systems(
        Update,
        (note_changes, rebuild_when_loaded)
            .chain()
            .run_if(resource_exists::<ScenarioFolder>),
    );
}

/// Asks the asset server for every `.ron` file in the folder, or uses the built-in copies.
fn start_loading(
    folder: Option<ResMut<ScenarioFolder>>,
    server: Res<AssetServer>,
    mut library: ResMut<ScenarioLibrary>,
    mut notices: ResMut<Notices>,
) {
    let Some(mut folder) = folder else {
        library.replace(Sources::embedded().load(), "built-in copies".into());
        return;
    };
    match ron_files(&folder.dir) {
        Ok(names) => {
            folder.files = names
                .into_iter()
                .map(|name| {
                    let handle = server.load(format!("{SOURCE_ID}://{name}"));
                    (name, handle)
                })
                .collect();
        }
        Err(e) => {
            let dir = folder.dir.display();
            notices.push(
                format!("无法读取情景文件夹 {dir}（{e}），改用内置情景"),
                format!(
                    "Cannot read the scenario folder {dir} ({e}); using the built-in scenarios"
                ),
            );
            library.replace(Sources::embedded().load(), "built-in copies".into());
        }
    }
}

fn ron_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".ron"))
        .collect();
    names.sort();
    Ok(names)
}

fn note_changes(
    mut events: MessageReader<AssetEvent<ScenarioFileAsset>>,
    mut folder: ResMut<ScenarioFolder>,
) {
    for event in events.read() {
        if matches!(
            event,
            AssetEvent::Added { .. } | AssetEvent::Modified { .. } | AssetEvent::Removed { .. }
        ) {
            folder.stale = true;
        }
    }
}

/// Once every file has loaded (or failed to), validates the whole set again.
fn rebuild_when_loaded(
    mut folder: ResMut<ScenarioFolder>,
    server: Res<AssetServer>,
    assets: Res<Assets<ScenarioFileAsset>>,
    mut library: ResMut<ScenarioLibrary>,
) {
    if !folder.stale || folder.files.is_empty() {
        return;
    }
    let settled = folder.files.iter().all(|(_, h)| {
        matches!(
            server.load_state(h.id()),
            LoadState::Loaded | LoadState::Failed(_)
        )
    });
    if !settled {
        return;
    }
    folder.stale = false;
    let mut sources = Sources::default();
    for (name, handle) in &folder.files {
        let path = folder.dir.join(name).display().to_string();
        match assets.get(handle) {
            Some(file) => {
                let file = SourceFile::new(path, file.bytes.clone());
                if name == CATALOGUE_FILE {
                    sources.catalogue = Some(file);
                } else {
                    sources.scenarios.push(file);
                }
            }
            None => sources.problems.push(crate::scenario::Diagnostic::in_file(
                path,
                crate::scenario::Code::Unreadable,
                crate::scenario::Text::new("无法读取这个文件", "the file could not be read"),
            )),
        }
    }
    let fingerprint = fingerprint(&sources);
    if folder.built_from == Some(fingerprint) {
        return;
    }
    folder.built_from = Some(fingerprint);
    let loaded = sources.load();
    let problems = loaded.error_count();
    info!(
        "scenarios loaded from {}: {} playable, {problems} problems",
        folder.dir.display(),
        loaded.scenarios.len()
    );
    library.replace(loaded, folder.dir.display().to_string());
}

/// The files' names and bytes, and which could not be read, boiled down to one number.
fn fingerprint(sources: &Sources) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    for file in sources.catalogue.iter().chain(&sources.scenarios) {
        file.name.hash(&mut hasher);
        file.bytes.hash(&mut hasher);
    }
    for problem in &sources.problems {
        problem.to_string().hash(&mut hasher);
    }
    hasher.finish()
}
