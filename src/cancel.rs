//! Stopping a run on SIGINT, SIGTERM or SIGHUP without leaving anything behind.
//!
//! The binary installs a handler ([`install_handler`]) that calls [`request`]. The engine and
//! the writers poll [`check`] between units of work and return [`Error::Interrupted`], so the
//! staging folder is removed by the normal error path ([`crate::rundir::Staging`]'s drop). A
//! second signal, or a run that does not stop within [`GRACE`], removes every registered
//! staging folder from the handler's thread and exits at once — unless a folder swap is in
//! progress, which is left to finish (the next run repairs a cut swap, see
//! [`crate::rundir::recover`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::error::{Error, Result};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static SWAPS: AtomicUsize = AtomicUsize::new(0);
static STAGING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// How long a run has to stop by itself after the first signal.
pub const GRACE: Duration = Duration::from_secs(5);

/// Exit code of a run stopped by a signal (128 + SIGINT, the shell's convention).
pub const EXIT_INTERRUPTED: u8 = 130;

/// Asks the running work to stop.
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Whether a stop was asked for.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// `Err(Error::Interrupted)` once a stop was asked for.
pub fn check() -> Result<()> {
    if requested() {
        Err(Error::Interrupted)
    } else {
        Ok(())
    }
}

pub(crate) fn register_staging(dir: &Path) {
    if let Ok(mut v) = STAGING.lock() {
        v.push(dir.to_path_buf());
    }
}

pub(crate) fn unregister_staging(dir: &Path) {
    if let Ok(mut v) = STAGING.lock() {
        v.retain(|d| d != dir);
    }
}

/// Marks a folder swap in progress while alive: the handler then does not remove `dir`.
pub(crate) struct SwapGuard(PathBuf);

impl SwapGuard {
    pub(crate) fn begin(dir: &Path) -> SwapGuard {
        SWAPS.fetch_add(1, Ordering::SeqCst);
        unregister_staging(dir);
        SwapGuard(dir.to_path_buf())
    }
}

impl Drop for SwapGuard {
    fn drop(&mut self) {
        let _ = &self.0;
        SWAPS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Removes every registered staging folder (unless a swap is in progress) and exits with
/// [`EXIT_INTERRUPTED`].
fn abort_now() -> ! {
    while SWAPS.load(Ordering::SeqCst) > 0 {
        std::thread::sleep(Duration::from_millis(10));
    }
    if let Ok(v) = STAGING.lock() {
        for d in v.iter() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
    eprintln!("interrupted: partial results removed");
    std::process::exit(i32::from(EXIT_INTERRUPTED));
}

/// Installs the handler for SIGINT, SIGTERM and SIGHUP: the first signal asks the run to stop
/// (and starts the [`GRACE`] timer), a second one stops it at once.
pub fn install_handler() -> Result<()> {
    ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::SeqCst) {
            abort_now();
        }
        std::thread::spawn(|| {
            std::thread::sleep(GRACE);
            abort_now();
        });
    })
    .map_err(|e| Error::Other(format!("cannot install the signal handler: {e}")))
}
