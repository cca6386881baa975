# shellcheck shell=bash
# Shared by scripts/test and scripts/run-app: where things are, and installing what is missing.
# Everything here is idempotent: on a machine that has it all, it checks and returns in seconds.
# Needs only what a fresh Debian 12 machine of this project has: Rust (cargo, rustfmt, clippy),
# Node.js + npm, and apt (as root, or with sudo).

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

# Debug info roughly doubles the target folder (≈2 GB → ≈1 GB for the Tauri stack) and is not
# needed to run tests; set CARGO_PROFILE_DEV_DEBUG yourself to get it back.
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-0}"
# `cargo install` puts tools here; a fresh shell may not have it on PATH yet.
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in *":$CARGO_BIN:"*) ;; *) export PATH="$CARGO_BIN:$PATH" ;; esac

# What building and running the desktop window needs (WebKitGTK and friends).
APT_BUILD_PACKAGES=(
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libssl-dev
  build-essential pkg-config file at-spi2-core fonts-dejavu-core
)
# What the end-to-end tests add: a virtual display, WebKit's WebDriver, Chromium, screenshots.
APT_TEST_PACKAGES=(xvfb xauth webkit2gtk-driver chromium imagemagick)

log() { printf '==> %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# Where cargo puts build output, as cargo itself decides it.
target_dir() {
  local dir="${CARGO_TARGET_DIR:-target}"
  case "$dir" in /*) printf '%s\n' "$dir" ;; *) printf '%s\n' "$ROOT/$dir" ;; esac
}

ensure_tools() {
  local tool
  for tool in cargo node npm; do
    command -v "$tool" >/dev/null || die "$tool is not installed; this project needs Rust and Node.js"
  done
  cargo fmt --version >/dev/null 2>&1 || die "rustfmt is missing: rustup component add rustfmt"
  cargo clippy --version >/dev/null 2>&1 || die "clippy is missing: rustup component add clippy"
}

# Installs the given Debian packages that are not installed yet (apt-get update only if needed).
ensure_apt_packages() {
  local missing=() package
  for package in "$@"; do
    if [ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null)" != installed ]; then
      missing+=("$package")
    fi
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}

# `npm ci` in a folder, unless its node_modules already came from this exact package-lock.json.
ensure_npm_deps() {
  local dir="$ROOT/$1" stamp want
  stamp="$dir/node_modules/.trailview-lock.sha256"
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  log "npm ci in $1/"
  (cd "$dir" && npm ci --no-audit --no-fund)
  printf '%s\n' "$want" >"$stamp"
}

ensure_tauri_driver() {
  command -v tauri-driver >/dev/null && return 0
  log "cargo install tauri-driver --locked (about a minute)"
  # Its own target folder, so it never touches the workspace's build.
  CARGO_TARGET_DIR="$(mktemp -d)" cargo install tauri-driver --locked
}

# Everything `scripts/run-app` needs.
setup_build() {
  ensure_tools
  ensure_apt_packages "${APT_BUILD_PACKAGES[@]}"
  ensure_npm_deps ui
}

# Everything `scripts/test` needs.
setup_test() {
  setup_build
  ensure_apt_packages "${APT_TEST_PACKAGES[@]}"
  ensure_npm_deps tests
  ensure_tauri_driver
}

build_ui() {
  (cd "$ROOT/ui" && npm run build)
}
