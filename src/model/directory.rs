//! People and accounts: who is signed in, what they belong to, and whom a sales representative
//! can act as.

use serde::{Deserialize, Serialize};

use super::{AccountId, UserId};

/// A person's role in one account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Employee,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Employee => "employee",
            Self::Owner => "owner",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "employee" => Some(Self::Employee),
            "owner" => Some(Self::Owner),
            _ => None,
        }
    }
}

/// An account a person belongs to, and their role there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub account_id: AccountId,
    pub account_name: String,
    pub role: Role,
}

/// Who is really at the keyboard while a sales representative acts as a customer user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impersonator {
    pub user_id: UserId,
    pub name: String,
}

/// The signed-in person as the UI needs to know them. While a sales representative acts as a
/// customer, this is the customer, and `impersonator` says who is really acting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    /// The account this session is signed in to.
    pub account_id: AccountId,
    pub account_name: String,
    pub memberships: Vec<Membership>,
    pub is_platform_admin: bool,
    pub is_sales_rep: bool,
    pub impersonator: Option<Impersonator>,
}

impl Viewer {
    /// Accounts whose sessions this person may see as an account owner.
    pub fn owned_accounts(&self) -> impl Iterator<Item = &Membership> {
        self.memberships
            .iter()
            .filter(|membership| membership.role == Role::Owner)
    }
}

/// A customer user a sales representative can act as, in one of their accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerUser {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub account_id: AccountId,
    pub account_name: String,
}
