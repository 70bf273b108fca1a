//! Registers the bundled Chinese font with egui, so every character renders as a glyph.

use std::path::PathBuf;
use std::sync::Arc;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::screens::ViewSet;
use super::state::Notices;

/// Noto Sans CJK SC (SIL Open Font License; the licence is beside it).
pub const CJK_FONT: &str = "fonts/NotoSansCJKsc-Regular.otf";
const CJK_FAMILY_NAME: &str = "noto_sans_cjk_sc";

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        install_fonts.before(ViewSet::Chrome).run_if(run_once),
    );
}

/// Where the `assets` folder is: as Bevy finds it, then beside the program, then the source tree.
pub fn asset_roots() -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if let Some(root) = std::env::var_os("BEVY_ASSET_ROOT") {
        roots.push(PathBuf::from(root).join("assets"));
    }
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        roots.push(PathBuf::from(dir).join("assets"));
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(PathBuf::from))
    {
        roots.push(dir.join("assets"));
    }
    roots.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets"));
    roots
}

/// The first `assets` folder that exists (where the app looks for its font).
pub fn assets_dir() -> PathBuf {
    let roots = asset_roots();
    roots
        .iter()
        .find(|r| r.is_dir())
        .or(roots.last())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("assets"))
}

/// The font's bytes, or a message saying where it was looked for.
pub fn read_cjk_font() -> Result<Vec<u8>, String> {
    let roots = asset_roots();
    for root in &roots {
        let path = root.join(CJK_FONT);
        if let Ok(bytes) = std::fs::read(&path) {
            // An OpenType or TrueType file starts with one of these tags.
            let known = [b"OTTO", b"\0\x01\0\0", b"true", b"ttcf"];
            if bytes.len() < 4 || !known.iter().any(|m| bytes.starts_with(*m)) {
                return Err(format!("{} is not a font file", path.display()));
            }
            return Ok(bytes);
        }
    }
    let tried: Vec<String> = roots
        .iter()
        .map(|r| r.join(CJK_FONT).display().to_string())
        .collect();
    Err(format!(
        "the Chinese font was not found (looked in {})",
        tried.join(", ")
    ))
}

fn install_fonts(mut contexts: EguiContexts, mut notices: ResMut<Notices>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let bytes = match read_cjk_font() {
        Ok(b) => b,
        Err(e) => {
            // Without the font Chinese cannot be drawn, so this notice is English either way.
            let en = format!("{e}; Chinese text will show as boxes");
            notices.push(en.clone(), en);
            return Ok(());
        }
    };
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        CJK_FAMILY_NAME.to_owned(),
        Arc::new(egui::FontData::from_owned(bytes)),
    );
    // First for proportional text so Chinese punctuation uses the CJK shapes; last for
    // monospace so Latin code keeps its fixed width. egui's own fonts stay for icons.
    if let Some(family) = fonts.families.get_mut(&egui::FontFamily::Proportional) {
        family.insert(0, CJK_FAMILY_NAME.to_owned());
    }
    if let Some(family) = fonts.families.get_mut(&egui::FontFamily::Monospace) {
        family.push(CJK_FAMILY_NAME.to_owned());
    }
    ctx.set_fonts(fonts);
    Ok(())
}
