//! Who is at the keyboard: the operating-system account of the process, never a claim.
//!
//! The account is the one of the process's real user id, looked up in the system's user
//! database; `$USER` and `$LOGNAME` are never read (issue 11: `USER=lyvanlong hotro …` acted
//! as the approver).

/// The account could not be named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the operating-system account of user id {uid} has no name in the user database")]
pub struct IdentityError {
    /// The process's real user id.
    pub uid: u32,
}

/// The name of the operating-system account this process runs as (its real user id).
///
/// Errors: the user id has no entry in the user database (e.g. a container without one).
pub fn os_account() -> Result<String, IdentityError> {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => Ok(user.name),
        _ => Err(IdentityError { uid: uid.as_raw() }),
    }
}

/// Whether this process's account owns `path` (or is root): who may bootstrap a database
/// that has records but no applied configuration.
pub fn owns(path: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let uid = nix::unistd::getuid();
    uid.is_root() || std::fs::metadata(path).is_ok_and(|m| m.uid() == uid.as_raw())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_account_of_the_test_process_has_a_name() {
        let name = super::os_account().expect("the test runner's account is in the user database");
        assert!(!name.is_empty());
    }
}
