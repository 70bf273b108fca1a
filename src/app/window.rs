//! The main window: title, size limits, and the icon.

use bevy::ecs::system::NonSendMarker;
use bevy::prelude::*;
use bevy::window::{PrimaryWindow, WindowResizeConstraints, WindowResolution};
use bevy::winit::WINIT_WINDOWS;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_camera);
    app.add_systems(Update, set_icon);
}

pub const TITLE: &str = "投诉处理情景演练 · Complaint Handling Role Play";
pub const MIN_WIDTH: f32 = 960.0;
pub const MIN_HEIGHT: f32 = 600.0;

pub fn primary_window() -> Window {
    let (width, height) = size_from_env().unwrap_or((1280, 720));
    Window {
        title: TITLE.into(),
        name: Some("complaint-trainer".into()),
        resolution: WindowResolution::new(width, height),
        resize_constraints: WindowResizeConstraints {
            min_width: MIN_WIDTH,
            min_height: MIN_HEIGHT,
            ..default()
        },
        ..default()
    }
}

/// `COMPLAINT_TRAINER_WINDOW=1920x1080` opens the window at that size (screenshots, projectors).
fn size_from_env() -> Option<(u32, u32)> {
    let v = std::env::var("COMPLAINT_TRAINER_WINDOW").ok()?;
    let (w, h) = v.split_once('x')?;
    let (w, h) = (w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?);
    (w >= MIN_WIDTH as u32 && h >= MIN_HEIGHT as u32 && w <= 8192 && h <= 8192).then_some((w, h))
}

fn spawn_camera(mut commands: Commands) {
    commands.spawn(Camera2d);
}

/// The icon is drawn here rather than loaded, so it can never be missing.
/// Runs on the main thread, where winit keeps its windows.
fn set_icon(
    window: Query<Entity, With<PrimaryWindow>>,
    mut done: Local<bool>,
    _main_thread: NonSendMarker,
) {
    if *done {
        return;
    }
    let Ok(entity) = window.single() else {
        return;
    };
    WINIT_WINDOWS.with_borrow(|windows| {
        let Some(winit_window) = windows.get_window(entity) else {
            return;
        };
        let (rgba, size) = icon_pixels();
        match winit::window::Icon::from_rgba(rgba, size, size) {
            Ok(icon) => winit_window.set_window_icon(Some(icon)),
            Err(e) => warn!("window icon: {e}"),
        }
        *done = true;
    });
}

/// A 64×64 speech bubble on a teal tile.
pub fn icon_pixels() -> (Vec<u8>, u32) {
    const N: u32 = 64;
    let mut rgba = Vec::with_capacity((N * N * 4) as usize);
    let inside_rounded = |x: f32, y: f32, x0: f32, y0: f32, x1: f32, y1: f32, r: f32| {
        let cx = x.clamp(x0 + r, x1 - r);
        let cy = y.clamp(y0 + r, y1 - r);
        (x - cx).powi(2) + (y - cy).powi(2) <= r * r && x >= x0 && x <= x1 && y >= y0 && y <= y1
    };
    for py in 0..N {
        for px in 0..N {
            let (x, y) = (px as f32 + 0.5, py as f32 + 0.5);
            let tile = inside_rounded(x, y, 0.0, 0.0, 64.0, 64.0, 12.0);
            let bubble = inside_rounded(x, y, 10.0, 12.0, 54.0, 42.0, 8.0);
            // The bubble's tail, a triangle below its left half.
            let tail = (41.0..=54.0).contains(&y) && x >= 18.0 && x <= 18.0 + (54.0 - y) * 0.9;
            let dot = [22.0f32, 32.0, 42.0]
                .iter()
                .any(|cx| (x - cx).powi(2) + (y - 27.0).powi(2) <= 12.0);
            let pixel: [u8; 4] = if (bubble || tail) && !dot {
                [255, 255, 255, 255]
            } else if tile {
                [20, 110, 120, 255]
            } else {
                [0, 0, 0, 0]
            };
            rgba.extend_from_slice(&pixel);
        }
    }
    (rgba, N)
}
