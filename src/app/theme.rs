//! The look: a calm light theme, a high-contrast projector theme, and the text size.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::screens::ViewSet;
use super::state::Prefs;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, apply_theme.before(ViewSet::Chrome));
}

/// Re-styles egui when the theme or text size changes (and on the first frame).
fn apply_theme(
    mut contexts: EguiContexts,
    prefs: Res<Prefs>,
    mut applied: Local<Option<(bool, u32)>>,
) -> Result {
    let wanted = (
        prefs.0.high_contrast,
        (prefs.0.text_scale * 100.0).round() as u32,
    );
    if *applied == Some(wanted) {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    // Text size is a setting of its own; egui's built-in Ctrl+/− would fight it.
    ctx.options_mut(|o| o.zoom_with_keyboard = false);
    ctx.set_theme(egui::Theme::Light);
    ctx.set_visuals_of(egui::Theme::Light, visuals(prefs.0.high_contrast));
    ctx.style_mut_of(egui::Theme::Light, |style| {
        use egui::{FontFamily, FontId, TextStyle};
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(24.0, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(17.0, FontFamily::Proportional)),
            (
                TextStyle::Button,
                FontId::new(17.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(15.0, FontFamily::Monospace),
            ),
            (
                TextStyle::Small,
                FontId::new(13.0, FontFamily::Proportional),
            ),
        ]
        .into();
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 5.0);
        // As tall as a button of this text (a 17 px line of the bundled font is 24.6 px, plus
        // the padding): a combo box starts at the top of a row this tall, so a shorter row
        // leaves it below the labels and buttons beside it.
        style.spacing.interact_size.y = 35.0;
    });
    ctx.set_zoom_factor(prefs.0.text_scale);
    *applied = Some(wanted);
    Ok(())
}

pub fn visuals(high_contrast: bool) -> egui::Visuals {
    let mut v = egui::Visuals::light();
    if high_contrast {
        let black = egui::Color32::BLACK;
        v.override_text_color = Some(black);
        v.panel_fill = egui::Color32::WHITE;
        v.window_fill = egui::Color32::WHITE;
        v.faint_bg_color = egui::Color32::from_gray(235);
        v.extreme_bg_color = egui::Color32::from_gray(225);
        v.widgets.noninteractive.bg_stroke = egui::Stroke::new(1.5, black);
        v.widgets.noninteractive.fg_stroke = egui::Stroke::new(1.5, black);
        for w in [
            &mut v.widgets.inactive,
            &mut v.widgets.hovered,
            &mut v.widgets.active,
        ] {
            w.bg_stroke = egui::Stroke::new(2.0, black);
            w.fg_stroke = egui::Stroke::new(2.0, black);
        }
        v.widgets.inactive.weak_bg_fill = egui::Color32::from_gray(245);
        v.widgets.hovered.weak_bg_fill = egui::Color32::from_rgb(255, 240, 170);
        // Text stays black everywhere, so a selection is a bright yellow, not a dark fill.
        v.selection.bg_fill = egui::Color32::from_rgb(255, 210, 0);
        v.selection.stroke = egui::Stroke::new(2.0, black);
        v.warn_fg_color = egui::Color32::from_rgb(150, 60, 0);
        v.error_fg_color = egui::Color32::from_rgb(180, 0, 0);
    } else {
        v.panel_fill = egui::Color32::from_rgb(248, 247, 244);
        v.window_fill = egui::Color32::from_rgb(252, 251, 249);
        v.faint_bg_color = egui::Color32::from_rgb(238, 236, 231);
        v.selection.bg_fill = egui::Color32::from_rgb(60, 120, 180);
    }
    v
}
