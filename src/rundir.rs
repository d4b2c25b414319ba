//! The folders a run owns, and how it replaces them without ever losing a complete result.
//!
//! A run writes `<out>/<name>/`, where `name` is one path component checked by [`check_name`]
//! (never `.`, `..`, hidden or a path). It writes into a staging folder
//! `<out>/.<name>.partial-<pid>/` and, when every file is written, puts a **marker**
//! ([`MARKER`]) listing the entries it wrote. Only a folder with that marker is a run folder:
//! chipsim replaces nothing else (an existing `<out>/<name>/` without one is an input error).
//!
//! Replacing an earlier run ([`Staging::commit`]):
//! 1. entries of the earlier run folder that its marker does not list (files the user saved
//!    there) move into the staging folder, so they travel with the new run;
//! 2. staging and final folder are exchanged in one atomic `renameat2(RENAME_EXCHANGE)` on
//!    Linux; where that is not supported, the earlier folder is renamed aside
//!    (`.<name>.old-<pid>`) and the new one renamed in;
//! 3. the earlier run, now in the staging (or aside) folder, is removed.
//!
//! A process killed at any point leaves either the earlier or the new complete run at
//! `<out>/<name>/`, except in the non-atomic fallback between its two renames. The next run
//! into the same folder repairs that ([`recover`]): a complete staging or aside folder of a
//! process that no longer exists is put back where `<out>/<name>/` is missing, user files left
//! in one are moved back, and the rest is removed. A run stopped by SIGINT/SIGTERM/SIGHUP
//! removes its staging folder itself (see [`crate::cancel`]).

use std::path::{Path, PathBuf};

use crate::error::{Error, InputError, Origin, Result};

/// File written last into every run folder; its presence is what makes a folder a run folder.
pub const MARKER: &str = ".chipsim-run";

/// Longest scenario name: the staging folder adds `.` and `.partial-<pid>` to it, and file
/// systems allow 255 bytes per name.
pub const MAX_NAME_LEN: usize = 100;

/// Checks a name that becomes a folder name under `--out`: 1 to [`MAX_NAME_LEN`] ASCII letters,
/// digits, `-`, `_` or `.`, not starting with `.` (so never `.`, `..` or a hidden folder).
/// Returns what is wrong, for an error message.
pub fn check_name(name: &str) -> std::result::Result<(), String> {
    if name.is_empty() {
        return Err("an empty name".into());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!("a name of {} characters", name.len()));
    }
    if name.starts_with('.') {
        return Err(format!("`{}`, which starts with '.'", name.escape_debug()));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!("`{}`, which contains {:?}", name.escape_debug(), c));
    }
    Ok(())
}

/// What a valid name must look like, for error messages.
pub fn name_rule() -> String {
    format!(
        "a name of 1 to {MAX_NAME_LEN} letters, digits, '-', '_' or '.', not starting with '.' (it names the output folder)"
    )
}

/// `out/name`, once more checking that `name` is one normal path component (defence in depth:
/// every name has passed [`check_name`] at load time).
fn child(out: &Path, name: &str) -> Result<PathBuf> {
    let mut parts = Path::new(name).components();
    match (parts.next(), parts.next(), check_name(name)) {
        (Some(std::path::Component::Normal(_)), None, Ok(())) => Ok(out.join(name)),
        _ => Err(Error::Invariant(format!(
            "refusing to use `{}` as a folder name under {}",
            name.escape_debug(),
            out.display()
        ))),
    }
}

/// The entries (top-level file and folder names) a run folder's marker lists, or None when the
/// folder has no readable marker (it is not a run folder).
pub fn marker_entries(dir: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(dir.join(MARKER)).ok()?;
    let mut lines = text.lines();
    lines
        .next()
        .filter(|l| l.starts_with("chipsim run folder"))?;
    Some(
        lines
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect(),
    )
}

/// Whether `dir` is a complete run folder (it has the marker).
pub fn is_run_folder(dir: &Path) -> bool {
    marker_entries(dir).is_some()
}

/// Entries of run folder `dir` that its marker does not list (saved there by the user).
fn user_entries(dir: &Path) -> Vec<PathBuf> {
    let Some(listed) = marker_entries(dir) else {
        return Vec::new();
    };
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    read.flatten()
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n != MARKER && !listed.iter().any(|l| *l == n)
        })
        .map(|e| e.path())
        .collect()
}

/// Moves the user's entries of run folder `from` into `to`. An entry whose name `to` already
/// has (e.g. a `trace.csv` of the user's, and the new run wrote one) gets the suffix `.user`
/// (`.user2`, ... if taken). Best effort: what cannot be moved stays.
fn move_user_entries(from: &Path, to: &Path) {
    for p in user_entries(from) {
        let Some(n) = p.file_name() else { continue };
        let mut dest = to.join(n);
        let mut k = 1;
        while dest.exists() && k < 1000 {
            let suffix = if k == 1 {
                ".user".to_string()
            } else {
                format!(".user{k}")
            };
            let mut name = n.to_os_string();
            name.push(suffix);
            dest = to.join(name);
            k += 1;
        }
        if !dest.exists() {
            let _ = std::fs::rename(&p, dest);
        }
    }
}

/// The scenario `name`'s run folder in `out_dir` may be written: it is absent, or a run folder
/// (replaced), never a file or another folder of the user's. Input error otherwise (exit 2).
pub fn check_replaceable(out_dir: &Path, name: &str) -> Result<()> {
    let dir = child(out_dir, name)?;
    let problem = if !dir.exists() {
        return Ok(());
    } else if !dir.is_dir() {
        format!("`{}`, which is a file", dir.display())
    } else if is_run_folder(&dir) || std::fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_none()) {
        return Ok(());
    } else {
        format!(
            "`{}`, a folder that is not a chipsim run folder (it has no {MARKER} file)",
            dir.display()
        )
    };
    Err(InputError::new(
        Origin::Argument {
            name: "--out".into(),
        },
        "",
        format!("an output folder where `{name}` is absent or a chipsim run folder"),
        problem,
    )
    .with_hint(
        "chipsim only replaces folders it wrote; choose another --out, or rename the scenario",
    )
    .into())
}

/// Whether process `pid` is gone. Without `/proc` this cannot be told: then it is assumed to
/// be running, so nothing of it is touched.
fn process_gone(pid: u32) -> bool {
    Path::new("/proc/self").exists()
        && pid != std::process::id()
        && !Path::new("/proc").join(pid.to_string()).exists()
}

/// Repairs what killed runs of scenario `name` left in `out_dir` (see the module docs): puts a
/// complete staging folder, else an aside folder, back at `<out>/<name>/` if that is missing;
/// moves user files left in leftovers back into the run folder; removes the leftovers. Only
/// folders of processes that no longer exist are touched. Best effort.
pub fn recover(out_dir: &Path, name: &str) {
    let Ok(final_dir) = child(out_dir, name) else {
        return;
    };
    let Ok(read) = std::fs::read_dir(out_dir) else {
        return;
    };
    let (partial, old) = (format!(".{name}.partial-"), format!(".{name}.old-"));
    let mut staging = Vec::new();
    let mut aside = Vec::new();
    for e in read.flatten() {
        let file_name = e.file_name();
        let Some(f) = file_name.to_str() else {
            continue;
        };
        let (list, pid) = if let Some(p) = f.strip_prefix(&partial) {
            (&mut staging, p)
        } else if let Some(p) = f.strip_prefix(&old) {
            (&mut aside, p)
        } else {
            continue;
        };
        if pid.parse::<u32>().is_ok_and(process_gone) && e.path().is_dir() {
            list.push(e.path());
        }
    }
    staging.sort();
    aside.sort();
    if !final_dir.exists() {
        // The fallback swap was cut between its renames: the new run if complete, else the
        // earlier one.
        let complete = staging.iter().chain(&aside).position(|d| is_run_folder(d));
        if let Some(i) = complete {
            let d = if i < staging.len() {
                staging.remove(i)
            } else {
                aside.remove(i - staging.len())
            };
            let _ = std::fs::rename(&d, &final_dir);
        }
    }
    for d in staging.iter().chain(&aside) {
        if final_dir.is_dir() && is_run_folder(&final_dir) {
            move_user_entries(d, &final_dir);
        }
        let _ = std::fs::remove_dir_all(d);
    }
}

/// A staging folder being written; removed on drop unless committed.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    final_dir: PathBuf,
    aside: PathBuf,
    committed: bool,
}

impl Staging {
    /// Repairs leftovers of killed runs, checks that `<out>/<name>/` may be replaced and creates
    /// an empty staging folder `<out>/.<name>.partial-<pid>/`.
    pub fn create(out_dir: &Path, name: &str) -> Result<Staging> {
        let final_dir = child(out_dir, name)?;
        recover(out_dir, name);
        check_replaceable(out_dir, name)?;
        let pid = std::process::id();
        let dir = out_dir.join(format!(".{name}.partial-{pid}"));
        let aside = out_dir.join(format!(".{name}.old-{pid}"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(|e| Error::io(format!("clearing {}", dir.display()), e))?;
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        crate::cancel::register_staging(&dir);
        Ok(Staging {
            dir,
            final_dir,
            aside,
            committed: false,
        })
    }

    /// The folder to write into.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the run will be once committed.
    pub fn final_dir(&self) -> &Path {
        &self.final_dir
    }

    /// Writes the marker (listing every entry now in the staging folder) and puts the staging
    /// folder in place of `<out>/<name>/`, keeping the user's files of an earlier run there.
    /// Returns the final folder.
    pub fn commit(mut self) -> Result<PathBuf> {
        crate::cancel::check()?;
        let mut entries: Vec<String> = std::fs::read_dir(&self.dir)
            .map_err(|e| Error::io(format!("listing {}", self.dir.display()), e))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != MARKER)
            .collect();
        entries.sort();
        let text = format!(
            "chipsim run folder (output format {}): chipsim replaces this folder when its scenario is run again into the same --out; entries not listed below are kept.\n{}\n",
            crate::output::OUTPUT_FORMAT_VERSION,
            entries.join("\n")
        );
        std::fs::write(self.dir.join(MARKER), text)
            .map_err(|e| Error::io(format!("writing {}", self.dir.join(MARKER).display()), e))?;
        // From here on a signal no longer removes the staging folder: it is a complete run.
        let _swap = crate::cancel::SwapGuard::begin(&self.dir);
        if self.final_dir.exists() {
            move_user_entries(&self.final_dir, &self.dir);
            if exchange(&self.dir, &self.final_dir)? {
                let _ = std::fs::remove_dir_all(&self.dir);
            } else {
                std::fs::rename(&self.final_dir, &self.aside).map_err(|e| {
                    Error::io(format!("moving {} aside", self.final_dir.display()), e)
                })?;
                std::fs::rename(&self.dir, &self.final_dir).map_err(|e| {
                    Error::io(format!("moving results to {}", self.final_dir.display()), e)
                })?;
                let _ = std::fs::remove_dir_all(&self.aside);
            }
        } else {
            std::fs::rename(&self.dir, &self.final_dir).map_err(|e| {
                Error::io(format!("moving results to {}", self.final_dir.display()), e)
            })?;
        }
        self.committed = true;
        crate::cancel::unregister_staging(&self.dir);
        Ok(self.final_dir.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            // Never leave half-written results behind.
            let _ = std::fs::remove_dir_all(&self.dir);
            crate::cancel::unregister_staging(&self.dir);
        }
    }
}

/// Atomically exchanges two folders (Linux `renameat2(RENAME_EXCHANGE)`). Ok(false) when the
/// system or file system does not support it (the caller falls back to two renames).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> Result<bool> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let cstr = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| Error::Other(format!("path with a NUL byte: {}", p.display())))
    };
    let (ca, cb) = (cstr(a)?, cstr(b)?);
    // SAFETY: both arguments are valid NUL-terminated paths that outlive the call; AT_FDCWD
    // resolves them against the working directory like std::fs::rename.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP) => Ok(false),
        _ => Err(Error::io(
            format!("replacing {} with {}", b.display(), a.display()),
            err,
        )),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> Result<bool> {
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_escape_or_hide_are_rejected() {
        for bad in [
            "", ".", "..", "...", ".hidden", "a/b", "a\\b", "a\nb", "../x", "a b", "é",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
        assert!(check_name(&"a".repeat(MAX_NAME_LEN + 1)).is_err());
        for good in ["altman-7t", "a.b", "x_1", &"a".repeat(MAX_NAME_LEN)] {
            assert!(check_name(good).is_ok(), "{good:?} rejected");
        }
    }

    fn run_folder(dir: &Path, files: &[&str]) {
        std::fs::create_dir_all(dir).unwrap();
        for f in files {
            std::fs::write(dir.join(f), f).unwrap();
        }
        std::fs::write(
            dir.join(MARKER),
            format!("chipsim run folder (test)\n{}\n", files.join("\n")),
        )
        .unwrap();
    }

    #[test]
    fn commit_replaces_a_run_and_keeps_user_files() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path();
        run_folder(&out.join("s"), &["summary.csv"]);
        std::fs::write(out.join("s").join("notes.txt"), "mine").unwrap();
        let st = Staging::create(out, "s").unwrap();
        std::fs::write(st.dir().join("summary.csv"), "new").unwrap();
        let dir = st.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("summary.csv")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
            "mine"
        );
        // A user file named like one the new run writes is kept under another name.
        std::fs::write(dir.join("trace.csv"), "my trace").unwrap();
        let st = Staging::create(out, "s").unwrap();
        std::fs::write(st.dir().join("trace.csv"), "chipsim trace").unwrap();
        let dir = st.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("trace.csv.user")).unwrap(),
            "my trace"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
            "mine"
        );
        assert_eq!(marker_entries(&dir).unwrap(), vec!["trace.csv".to_string()]);
        let left: Vec<_> = std::fs::read_dir(out).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "only the run folder is left");
    }

    #[test]
    fn a_folder_without_the_marker_is_never_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path();
        std::fs::create_dir_all(out.join("s")).unwrap();
        std::fs::write(out.join("s").join("thesis.tex"), "precious").unwrap();
        let e = Staging::create(out, "s").unwrap_err();
        assert!(e.is_input(), "{e}");
        assert!(out.join("s").join("thesis.tex").exists());
        // An empty folder may be used.
        std::fs::remove_file(out.join("s").join("thesis.tex")).unwrap();
        assert!(Staging::create(out, "s").is_ok());
    }

    #[test]
    fn dropped_staging_is_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let st = Staging::create(tmp.path(), "s").unwrap();
        let d = st.dir().to_path_buf();
        std::fs::write(d.join("x"), "half").unwrap();
        drop(st);
        assert!(!d.exists());
    }

    #[test]
    fn recovery_restores_a_complete_run_when_the_final_folder_is_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path();
        // pids above 2^22 (Linux's largest pid_max) cannot exist.
        run_folder(&out.join(".s.old-4194999"), &["summary.csv"]);
        std::fs::create_dir_all(out.join(".s.partial-4194998")).unwrap(); // incomplete
        recover(out, "s");
        assert!(is_run_folder(&out.join("s")));
        assert!(!out.join(".s.old-4194999").exists());
        assert!(!out.join(".s.partial-4194998").exists());
    }

    #[test]
    fn recovery_prefers_the_complete_new_run_and_returns_user_files() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path();
        run_folder(&out.join(".s.partial-4194998"), &["new.csv"]);
        std::fs::write(out.join(".s.partial-4194998").join("notes.txt"), "mine").unwrap();
        run_folder(&out.join(".s.old-4194998"), &["old.csv"]);
        recover(out, "s");
        assert!(out.join("s").join("new.csv").exists());
        assert!(out.join("s").join("notes.txt").exists());
        let left: Vec<_> = std::fs::read_dir(out).unwrap().flatten().collect();
        assert_eq!(left.len(), 1);
    }
}
