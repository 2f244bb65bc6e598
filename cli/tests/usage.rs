//! The command line's contract with scripts: exit codes and usage text. (The workflows
//! themselves are tested end to end in `tests/`, which runs this same binary.)

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::process::{Command, Output};

fn alc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alc"))
        .args(args)
        .env_remove("ALC_KEYS")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn version_is_the_package_version() {
    let o = alc(&["--version"]);
    assert!(o.status.success());
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("alc {}", env!("CARGO_PKG_VERSION"))
    );
}

/// A usage mistake exits 2 with the usage on standard error, never 0 or a panic.
#[test]
fn usage_mistakes_exit_2_with_the_usage() {
    for args in [
        &[][..],
        &["no-such-command"][..],
        &["wallet", "lease", "--no-such-flag"][..],
    ] {
        let o = alc(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("Usage: alc"),
            "{args:?}: {}",
            stderr(&o)
        );
        assert!(!stderr(&o).contains("panicked"), "{args:?}");
    }
    let o = alc(&["authority", "permit", "register"]);
    assert!(
        stderr(&o).contains("a similar subcommand exists: 'create'"),
        "{}",
        stderr(&o)
    );
}

/// A runtime failure exits 1 with one `error:` line.
#[test]
fn runtime_errors_exit_1_with_one_line() {
    let dir = std::env::temp_dir().join(format!("alc-usage-{}", std::process::id()));
    let o = alc(&[
        "verify",
        "--keys",
        dir.to_str().unwrap(),
        "presentation.json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: no keys here: run `alc setup` first"),
        "{err}"
    );
}
