//! The ticket status state machine: which status may follow which.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a ticket stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Assigned,
    InProgress,
    WaitingRequester,
    WaitingVendor,
    WaitingApproval,
    Resolved,
    Closed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::New,
        Status::Assigned,
        Status::InProgress,
        Status::WaitingRequester,
        Status::WaitingVendor,
        Status::WaitingApproval,
        Status::Resolved,
        Status::Closed,
        Status::Cancelled,
    ];

    /// Stable identifier used in the database, the CLI and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Assigned => "assigned",
            Status::InProgress => "in_progress",
            Status::WaitingRequester => "waiting_requester",
            Status::WaitingVendor => "waiting_vendor",
            Status::WaitingApproval => "waiting_approval",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn is_waiting(self) -> bool {
        matches!(
            self,
            Status::WaitingRequester | Status::WaitingVendor | Status::WaitingApproval
        )
    }

    /// Open tickets still need work from the desk (resolved ones wait for confirmation only).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed | Status::Cancelled)
    }

    /// Closed and cancelled tickets take no more work except a reopen (closed only).
    pub fn is_final(self) -> bool {
        matches!(self, Status::Closed | Status::Cancelled)
    }

    /// The state machine. `reopen` is the only way back from resolved or closed.
    pub fn can_become(self, to: Status) -> bool {
        use Status::*;
        if self == to {
            return false;
        }
        match self {
            New => matches!(
                to,
                Assigned
                    | InProgress
                    | WaitingRequester
                    | WaitingVendor
                    | WaitingApproval
                    | Resolved
                    | Cancelled
            ),
            Assigned => matches!(
                to,
                InProgress
                    | WaitingRequester
                    | WaitingVendor
                    | WaitingApproval
                    | Resolved
                    | Cancelled
            ),
            InProgress | WaitingRequester | WaitingVendor | WaitingApproval => matches!(
                to,
                InProgress
                    | WaitingRequester
                    | WaitingVendor
                    | WaitingApproval
                    | Resolved
                    | Cancelled
            ),
            Resolved => matches!(to, Closed | InProgress),
            Closed => matches!(to, InProgress),
            Cancelled => false,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error for a status name that is not one of [`Status::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status `{0}`")]
pub struct UnknownStatus(pub String);

impl FromStr for Status {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == wanted)
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::Status::{self, *};

    /// The full table of allowed transitions, written out independently of `can_become`.
    const ALLOWED: &[(Status, Status)] = &[
        (New, Assigned),
        (New, InProgress),
        (New, WaitingRequester),
        (New, WaitingVendor),
        (New, WaitingApproval),
        (New, Resolved),
        (New, Cancelled),
        (Assigned, InProgress),
        (Assigned, WaitingRequester),
        (Assigned, WaitingVendor),
        (Assigned, WaitingApproval),
        (Assigned, Resolved),
        (Assigned, Cancelled),
        (InProgress, WaitingRequester),
        (InProgress, WaitingVendor),
        (InProgress, WaitingApproval),
        (InProgress, Resolved),
        (InProgress, Cancelled),
        (WaitingRequester, InProgress),
        (WaitingRequester, WaitingVendor),
        (WaitingRequester, WaitingApproval),
        (WaitingRequester, Resolved),
        (WaitingRequester, Cancelled),
        (WaitingVendor, InProgress),
        (WaitingVendor, WaitingRequester),
        (WaitingVendor, WaitingApproval),
        (WaitingVendor, Resolved),
        (WaitingVendor, Cancelled),
        (WaitingApproval, InProgress),
        (WaitingApproval, WaitingRequester),
        (WaitingApproval, WaitingVendor),
        (WaitingApproval, Resolved),
        (WaitingApproval, Cancelled),
        (Resolved, Closed),
        (Resolved, InProgress),
        (Closed, InProgress),
    ];

    #[test]
    fn every_pair_is_allowed_or_refused_as_the_table_says() {
        let mut checked = 0;
        for from in Status::ALL {
            for to in Status::ALL {
                let expected = ALLOWED.contains(&(from, to));
                assert_eq!(from.can_become(to), expected, "{from} -> {to}");
                checked += 1;
            }
        }
        assert_eq!(checked, 81);
        assert_eq!(ALLOWED.len(), 36);
    }

    #[test]
    fn cancelled_is_terminal_and_nothing_returns_to_new() {
        for to in Status::ALL {
            assert!(!Cancelled.can_become(to));
            assert!(!to.can_become(New));
        }
    }

    #[test]
    fn names_round_trip() {
        for st in Status::ALL {
            assert_eq!(st.as_str().parse::<Status>(), Ok(st));
        }
        assert_eq!("In-Progress".parse::<Status>(), Ok(InProgress));
        assert!("open".parse::<Status>().is_err());
    }
}
