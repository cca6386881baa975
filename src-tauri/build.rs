//! Build script of the desktop shell: Tauri's code generation, plus a clear message when the UI
//! has not been built (the window embeds `ui/dist` at compile time).

use std::path::Path;

fn main() {
    // Paths are relative to the package root, which is the repository root (see Cargo.toml).
    if !Path::new("ui/dist/index.html").is_file() {
        panic!(
            "ui/dist/index.html is missing: the desktop window embeds the built UI.\n\
             Build it first: `npm --prefix ui ci && npm --prefix ui run build` \
             (scripts/test and scripts/run-app do this for you)."
        );
    }
    // Re-embed whenever the built UI changes.
    println!("cargo:rerun-if-changed=ui/dist");

    // Capabilities live beside the shell's sources, not in a top-level capabilities/ folder.
    let attributes =
        tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*");
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {error:#}");
    }
}
