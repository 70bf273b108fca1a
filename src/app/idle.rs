//! Keeps the idle app from redrawing: drops egui input events that report nothing new.

use bevy::platform::collections::HashMap;
use bevy::prelude::*;
use bevy_egui::{EguiInput, EguiPreUpdateSet, egui};

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        PreUpdate,
        drop_unchanged_modifiers
            .after(EguiPreUpdateSet::ProcessInput)
            .before(EguiPreUpdateSet::BeginPass),
    );
}

/// bevy_egui reports the modifier keys on every frame, and egui repaints whenever its input
/// has any event, so an untouched window would redraw forever. Only real changes pass.
fn drop_unchanged_modifiers(
    mut inputs: Query<(Entity, &mut EguiInput)>,
    mut last_seen: Local<HashMap<Entity, egui::Modifiers>>,
) {
    for (entity, mut input) in &mut inputs {
        let has_modifiers = input
            .events
            .iter()
            .any(|e| matches!(e, egui::Event::ModifiersChanged(_)));
        if !has_modifiers {
            continue;
        }
        let mut latest = last_seen.get(&entity).copied();
        input.events.retain(|e| match e {
            egui::Event::ModifiersChanged(m) => {
                let changed = latest != Some(*m);
                latest = Some(*m);
                changed
            }
            _ => true,
        });
        if let Some(m) = latest {
            last_seen.insert(entity, m);
        }
    }
}
