//! Who may see and end which sessions: pure rules, free of storage, tested on their own.
//!
//! The service asks these functions for a [`Scope`] and hands that scope to the store, whose
//! queries are bounded by it; so even a mistake in the service cannot reach further than the
//! rules here allow.

use crate::error::{Error, Result};
use crate::model::{
    AccountId, ApplicationId, EndReason, KeyPowers, PersonView, Role, SessionEnd, SessionId,
    SessionsView, UserId,
};

/// The rows a query may reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One person's sessions, across all their accounts.
    User(UserId),
    /// Every session in one account.
    Account(AccountId),
    /// Everything (platform admins).
    All,
}

/// What a person is allowed to do, as loaded for each authorised action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub is_platform_admin: bool,
    pub is_sales_rep: bool,
    pub memberships: Vec<(AccountId, Role)>,
    /// The accounts a sales representative serves, whose users they may act as (empty for
    /// everyone else).
    pub serves: Vec<AccountId>,
}

impl Principal {
    pub fn serves(&self, account: AccountId) -> bool {
        self.is_sales_rep && self.serves.contains(&account)
    }

    pub fn is_member_of(&self, account: AccountId) -> bool {
        self.memberships.iter().any(|(id, _)| *id == account)
    }

    pub fn is_owner_of(&self, account: AccountId) -> bool {
        self.memberships
            .iter()
            .any(|(id, role)| *id == account && *role == Role::Owner)
    }
}

/// Who owns a session, which decides who may end it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionOwner {
    pub user_id: UserId,
    pub account_id: AccountId,
}

/// The scope of a sessions list (or sign-in history) in the given view.
pub fn list_scope(principal: &Principal, view: SessionsView) -> Result<Scope> {
    match view {
        SessionsView::Mine => Ok(Scope::User(principal.user_id)),
        SessionsView::Account(account)
            if principal.is_owner_of(account) || principal.is_platform_admin =>
        {
            Ok(Scope::Account(account))
        }
        SessionsView::Account(_) => Err(Error::Forbidden(
            "only the account's owners see its sessions",
        )),
        SessionsView::Platform if principal.is_platform_admin => Ok(Scope::All),
        SessionsView::Platform => Err(Error::Forbidden("only platform admins see every account")),
    }
}

/// The narrowest scope within which `principal` may end `target`, using session `current`.
///
/// A session the principal may not see is [`Error::SessionNotFound`], exactly as if it did not
/// exist, so ids cannot be probed; their own current session is refused with a reason.
pub fn termination_scope(
    principal: &Principal,
    current: SessionId,
    target_id: SessionId,
    target: SessionOwner,
) -> Result<Scope> {
    if target_id == current {
        return Err(Error::CannotTerminateCurrentSession);
    }
    if target.user_id == principal.user_id {
        Ok(Scope::User(principal.user_id))
    } else if principal.is_owner_of(target.account_id) {
        Ok(Scope::Account(target.account_id))
    } else if principal.is_platform_admin {
        Ok(Scope::All)
    } else {
        Err(Error::SessionNotFound)
    }
}

/// How a termination made within `scope` is remembered: by whose hand, in the words the
/// person whose session it was will read. `scope` already says which power was used (their
/// own, an owner's, a platform admin's); a representative acting as someone is named as
/// themselves, never as the person they act as.
pub fn ending(scope: Scope, user: UserId, impersonator: Option<UserId>) -> SessionEnd {
    if let Some(rep) = impersonator {
        return SessionEnd::by(EndReason::TerminatedByRepresentative, rep);
    }
    let reason = match scope {
        Scope::User(_) => EndReason::TerminatedByYou,
        Scope::Account(_) => EndReason::TerminatedByOwner,
        Scope::All => EndReason::TerminatedByAdmin,
    };
    SessionEnd::by(reason, user)
}

/// How ending every session that matches a board's filter within `scope` is remembered: a
/// platform admin ending an account's sessions from its board, without owning it, acts as a
/// platform admin, not as its owner.
pub fn bulk_ending(
    principal: &Principal,
    scope: Scope,
    impersonator: Option<UserId>,
) -> SessionEnd {
    let power = match scope {
        Scope::Account(account) if !principal.is_owner_of(account) => Scope::All,
        other => other,
    };
    ending(power, principal.user_id, impersonator)
}

/// The scopes within which `principal` may end all of another person's sessions: everywhere
/// for platform admins, each account they own for owners; nobody else may.
pub fn user_termination_scopes(principal: &Principal) -> Result<Vec<Scope>> {
    if principal.is_platform_admin {
        return Ok(vec![Scope::All]);
    }
    let owned: Vec<Scope> = principal
        .memberships
        .iter()
        .filter(|(_, role)| *role == Role::Owner)
        .map(|(account, _)| Scope::Account(*account))
        .collect();
    if owned.is_empty() {
        Err(Error::Forbidden(
            "only account owners and admins end other people's sessions",
        ))
    } else {
        Ok(owned)
    }
}

/// The account filter a sessions list may apply within `scope`: only the platform-wide view
/// picks an account (an owner's view is one account already; a person's own view spans
/// theirs).
pub fn account_filter(scope: Scope, requested: Option<AccountId>) -> Option<AccountId> {
    match scope {
        Scope::All => requested,
        Scope::User(_) | Scope::Account(_) => None,
    }
}

/// A session token is only good at the application that issued it (an app's key cannot use
/// a token another app's user handed over), except to a platform-wide key. Any other token
/// is as good as none: [`Error::Unauthenticated`].
pub fn may_use_token(
    token_application: ApplicationId,
    key_application: ApplicationId,
    key_is_platform_wide: bool,
) -> Result<()> {
    if token_application == key_application || key_is_platform_wide {
        Ok(())
    } else {
        Err(Error::Unauthenticated)
    }
}

/// Whether `principal` may change `account`'s settings.
pub fn may_manage_account(principal: &Principal, account: AccountId) -> Result<()> {
    if principal.is_owner_of(account) || principal.is_platform_admin {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the account's owners change its settings",
        ))
    }
}

/// Whether a sales representative may act as `target` in `account`: only customer users,
/// never other representatives or platform admins, and only in an account they belong to.
pub fn may_impersonate(rep: &Principal, target: &Principal, account: AccountId) -> Result<()> {
    if !rep.is_sales_rep {
        return Err(Error::Forbidden(
            "only sales representatives act as customers",
        ));
    }
    if target.user_id == rep.user_id || target.is_sales_rep || target.is_platform_admin {
        return Err(Error::Forbidden("only customer users can be acted as"));
    }
    // Outside the accounts they serve a person is as unknown to a representative as one who
    // does not exist.
    if !target.is_member_of(account) || !rep.serves(account) {
        return Err(Error::UserNotFound);
    }
    Ok(())
}

/// Only sales representatives look for customers to act as.
pub fn may_look_for_customers(principal: &Principal) -> Result<()> {
    if principal.is_sales_rep {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only sales representatives act as customers",
        ))
    }
}

/// Only platform-wide API keys act on every account without a user's session.
pub fn may_act_platform_wide(is_admin_key: bool) -> Result<()> {
    if is_admin_key {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "this needs a user's bearer token or a platform-wide API key",
        ))
    }
}

/// Only keys a platform admin allowed to, and platform-wide keys, keep the directory in step
/// (accounts, people and memberships by a product's own ids).
pub fn may_sync_directory(powers: KeyPowers) -> Result<()> {
    if powers.manages_directory() {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "this API key may not manage the directory; a platform admin can make one that may",
        ))
    }
}

/// Platform admins and sales representatives are Sessionboard's own staff: a product's
/// directory sync neither creates, changes nor deactivates them, and no application signs
/// them in without their password (a trusted key would otherwise hold their powers).
pub fn may_be_managed_by_application(person: &PersonView) -> Result<()> {
    if person.is_platform_admin || person.is_sales_rep {
        Err(Error::Forbidden(
            "platform admins and sales representatives are managed in Sessionboard and sign in with their password",
        ))
    } else {
        Ok(())
    }
}

/// Only keys a platform admin marked trusted sign people in without a password, or make
/// sign-in links into Sessionboard's pages: the key vouches that its application has checked
/// who the person is.
pub fn may_sign_in_without_password(powers: KeyPowers) -> Result<()> {
    if powers.trusted {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "this API key is not trusted to sign people in without a password; a platform admin can make one that is",
        ))
    }
}

/// Only platform admins create, list and revoke API keys.
pub fn may_manage_api_keys(principal: &Principal) -> Result<()> {
    if principal.is_platform_admin {
        Ok(())
    } else {
        Err(Error::Forbidden("only platform admins manage API keys"))
    }
}

/// Only platform admins register webhook endpoints and see their deliveries: an endpoint
/// hears about every account's sessions.
pub fn may_manage_webhooks(principal: &Principal) -> Result<()> {
    if principal.is_platform_admin {
        Ok(())
    } else {
        Err(Error::Forbidden("only platform admins manage webhooks"))
    }
}

/// Only platform admins read the impersonation audit log.
pub fn may_read_audit_log(principal: &Principal) -> Result<()> {
    if principal.is_platform_admin {
        Ok(())
    } else {
        Err(Error::Forbidden("only platform admins read the audit log"))
    }
}

/// Only platform admins manage accounts, people and their platform roles, applications, and
/// which accounts representatives serve.
pub fn may_administer(principal: &Principal) -> Result<()> {
    if principal.is_platform_admin {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only platform admins manage accounts, people and applications",
        ))
    }
}

/// Whether `principal` may see and change `account`'s members: its owners, and platform
/// admins.
pub fn may_manage_members(principal: &Principal, account: AccountId) -> Result<()> {
    if principal.is_owner_of(account) || principal.is_platform_admin {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the account's owners manage its members",
        ))
    }
}

/// Who belongs where, and anyone's password, are changed only by the person who holds the
/// right themselves: a representative acting as an owner sees their Members page but changes
/// nothing on it (a set-password link handed to a representative would let them sign in as
/// that person long after the acting ended).
pub fn may_change_people(acting: bool) -> Result<()> {
    if acting {
        Err(Error::Forbidden(
            "a representative acting as someone cannot change people, memberships or passwords",
        ))
    } else {
        Ok(())
    }
}

/// Whether `principal` may add `person`, who already exists, to an account they manage.
/// Platform admins may add anyone. An owner only someone already in another open account, and
/// neither an admin, a representative nor deactivated: otherwise an owner could take in a
/// person nobody else answers for (their only account closed, say) and then, as their only
/// owner, reset their password and sign in as them.
pub fn may_add_existing(principal: &Principal, person: &PersonView) -> Result<()> {
    if principal.is_platform_admin {
        return Ok(());
    }
    let answered_for = !person.memberships.is_empty();
    if person.is_platform_admin
        || person.is_sales_rep
        || person.deactivated_at.is_some()
        || !answered_for
    {
        return Err(Error::Forbidden(
            "this person can only be added by a platform admin",
        ));
    }
    Ok(())
}

/// Whether `principal` may reset `target`'s password, which hands whoever does it a way to
/// sign in as them: platform admins for anyone; an account owner only for a customer user
/// (neither admin nor representative) all of whose accounts that owner owns, so that no owner
/// can reach into an account they do not own through a shared member.
pub fn may_reset_password(principal: &Principal, target: &Principal) -> Result<()> {
    if principal.is_platform_admin {
        return Ok(());
    }
    if !principal
        .memberships
        .iter()
        .any(|(_, role)| *role == Role::Owner)
    {
        return Err(Error::Forbidden(
            "only account owners and platform admins reset passwords",
        ));
    }
    let owns_all = !target.memberships.is_empty()
        && target
            .memberships
            .iter()
            .all(|(account, _)| principal.is_owner_of(*account));
    if !owns_all {
        // Not their member at all: as unknown as a person who does not exist.
        if !target
            .memberships
            .iter()
            .any(|(account, _)| principal.is_owner_of(*account))
        {
            return Err(Error::UserNotFound);
        }
        return Err(Error::Forbidden(
            "this person also belongs to accounts you do not own; ask a platform admin",
        ));
    }
    if target.is_platform_admin || target.is_sales_rep {
        return Err(Error::Forbidden(
            "only platform admins reset the passwords of admins and representatives",
        ));
    }
    Ok(())
}

/// The part of the audit log of changes `principal` may read: everything for platform admins
/// (or one account, if they ask), an account they own for owners.
pub fn changes_scope(principal: &Principal, account: Option<AccountId>) -> Result<Scope> {
    match account {
        None if principal.is_platform_admin => Ok(Scope::All),
        None => Err(Error::Forbidden(
            "only platform admins read the whole audit log",
        )),
        Some(account) if principal.is_platform_admin || principal.is_owner_of(account) => {
            Ok(Scope::Account(account))
        }
        Some(_) => Err(Error::Forbidden(
            "only the account's owners read its audit log",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACME: AccountId = AccountId(1);
    const GLOBEX: AccountId = AccountId(2);

    fn person(id: i64, memberships: &[(AccountId, Role)]) -> Principal {
        Principal {
            user_id: UserId(id),
            is_platform_admin: false,
            is_sales_rep: false,
            memberships: memberships.to_vec(),
            serves: Vec::new(),
        }
    }

    #[test]
    fn employees_see_only_their_own_sessions() {
        let employee = person(1, &[(ACME, Role::Employee)]);
        assert_eq!(
            list_scope(&employee, SessionsView::Mine).unwrap(),
            Scope::User(UserId(1))
        );
        assert!(matches!(
            list_scope(&employee, SessionsView::Account(ACME)),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            list_scope(&employee, SessionsView::Platform),
            Err(Error::Forbidden(_))
        ));
    }

    #[test]
    fn owners_see_their_account_only() {
        let owner = person(1, &[(ACME, Role::Owner), (GLOBEX, Role::Employee)]);
        assert_eq!(
            list_scope(&owner, SessionsView::Account(ACME)).unwrap(),
            Scope::Account(ACME)
        );
        assert!(list_scope(&owner, SessionsView::Account(GLOBEX)).is_err());
    }

    #[test]
    fn termination_picks_the_narrowest_scope_and_hides_the_rest() {
        let owner = person(1, &[(ACME, Role::Owner)]);
        let mine = SessionOwner {
            user_id: UserId(1),
            account_id: GLOBEX,
        };
        let colleague = SessionOwner {
            user_id: UserId(2),
            account_id: ACME,
        };
        let stranger = SessionOwner {
            user_id: UserId(3),
            account_id: GLOBEX,
        };
        let current = SessionId(10);
        assert_eq!(
            termination_scope(&owner, current, SessionId(11), mine).unwrap(),
            Scope::User(UserId(1))
        );
        assert_eq!(
            termination_scope(&owner, current, SessionId(12), colleague).unwrap(),
            Scope::Account(ACME)
        );
        assert!(matches!(
            termination_scope(&owner, current, SessionId(13), stranger),
            Err(Error::SessionNotFound)
        ));
        assert!(matches!(
            termination_scope(&owner, current, current, mine),
            Err(Error::CannotTerminateCurrentSession)
        ));
    }

    #[test]
    fn only_owners_and_admins_end_all_of_someones_sessions_and_only_where_they_rule() {
        let employee = person(1, &[(ACME, Role::Employee)]);
        let owner = person(2, &[(ACME, Role::Owner), (GLOBEX, Role::Employee)]);
        let mut admin = person(3, &[]);
        admin.is_platform_admin = true;
        assert!(matches!(
            user_termination_scopes(&employee),
            Err(Error::Forbidden(_))
        ));
        assert_eq!(
            user_termination_scopes(&owner).unwrap(),
            vec![Scope::Account(ACME)]
        );
        assert_eq!(user_termination_scopes(&admin).unwrap(), vec![Scope::All]);
    }

    #[test]
    fn only_the_platform_view_filters_by_account() {
        assert_eq!(account_filter(Scope::All, Some(ACME)), Some(ACME));
        assert_eq!(account_filter(Scope::Account(GLOBEX), Some(ACME)), None);
        assert_eq!(account_filter(Scope::User(UserId(1)), Some(ACME)), None);
    }

    #[test]
    fn a_token_is_good_only_at_its_application_unless_the_key_is_platform_wide() {
        let web = ApplicationId(1);
        let ios = ApplicationId(2);
        assert!(may_use_token(web, web, false).is_ok());
        assert!(matches!(
            may_use_token(web, ios, false),
            Err(Error::Unauthenticated)
        ));
        assert!(may_use_token(web, ios, true).is_ok());
    }

    #[test]
    fn representatives_act_only_as_customer_members_of_accounts_they_serve() {
        let mut rep = person(1, &[]);
        rep.is_sales_rep = true;
        rep.serves = vec![ACME];
        let customer = person(2, &[(ACME, Role::Owner), (GLOBEX, Role::Employee)]);
        let mut admin = person(3, &[(ACME, Role::Owner)]);
        admin.is_platform_admin = true;
        assert!(may_impersonate(&rep, &customer, ACME).is_ok());
        assert!(
            matches!(
                may_impersonate(&rep, &customer, GLOBEX),
                Err(Error::UserNotFound)
            ),
            "a member of Globex, which the representative does not serve"
        );
        let stranger = person(4, &[(ACME, Role::Employee)]);
        assert!(matches!(
            may_impersonate(&rep, &stranger, GLOBEX),
            Err(Error::UserNotFound)
        ));
        assert!(matches!(
            may_impersonate(&rep, &admin, ACME),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            may_impersonate(&customer, &rep, ACME),
            Err(Error::Forbidden(_))
        ));
    }

    #[test]
    fn owners_reset_passwords_only_of_customers_wholly_inside_accounts_they_own() {
        let owner = person(1, &[(ACME, Role::Owner)]);
        let employee = person(2, &[(ACME, Role::Employee)]);
        let shared = person(3, &[(ACME, Role::Employee), (GLOBEX, Role::Employee)]);
        let stranger = person(4, &[(GLOBEX, Role::Employee)]);
        let mut rep_member = person(5, &[(ACME, Role::Employee)]);
        rep_member.is_sales_rep = true;
        let mut admin = person(6, &[]);
        admin.is_platform_admin = true;
        assert!(may_reset_password(&owner, &employee).is_ok());
        assert!(matches!(
            may_reset_password(&owner, &shared),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            may_reset_password(&owner, &stranger),
            Err(Error::UserNotFound)
        ));
        assert!(matches!(
            may_reset_password(&owner, &rep_member),
            Err(Error::Forbidden(_))
        ));
        assert!(may_reset_password(&admin, &shared).is_ok());
        assert!(matches!(
            may_reset_password(&employee, &owner),
            Err(Error::Forbidden(_))
        ));
    }

    #[test]
    fn owners_read_their_accounts_changes_and_admins_read_all() {
        let owner = person(1, &[(ACME, Role::Owner)]);
        let mut admin = person(2, &[]);
        admin.is_platform_admin = true;
        assert_eq!(
            changes_scope(&owner, Some(ACME)).unwrap(),
            Scope::Account(ACME)
        );
        assert!(changes_scope(&owner, Some(GLOBEX)).is_err());
        assert!(changes_scope(&owner, None).is_err());
        assert_eq!(changes_scope(&admin, None).unwrap(), Scope::All);
        assert_eq!(
            changes_scope(&admin, Some(GLOBEX)).unwrap(),
            Scope::Account(GLOBEX)
        );
        assert!(may_manage_members(&owner, ACME).is_ok());
        assert!(may_manage_members(&owner, GLOBEX).is_err());
        assert!(may_administer(&owner).is_err() && may_administer(&admin).is_ok());
        assert!(may_change_people(true).is_err() && may_change_people(false).is_ok());
    }

    #[test]
    fn a_termination_is_remembered_by_the_power_that_made_it() {
        let (you, rep) = (UserId(1), UserId(9));
        let cases = [
            (Scope::User(you), None, EndReason::TerminatedByYou, you),
            (
                Scope::Account(ACME),
                None,
                EndReason::TerminatedByOwner,
                you,
            ),
            (Scope::All, None, EndReason::TerminatedByAdmin, you),
            // Acting as someone, whatever reach that gives, the representative is named.
            (
                Scope::User(you),
                Some(rep),
                EndReason::TerminatedByRepresentative,
                rep,
            ),
            (
                Scope::Account(ACME),
                Some(rep),
                EndReason::TerminatedByRepresentative,
                rep,
            ),
        ];
        for (scope, impersonator, reason, by) in cases {
            let end = ending(scope, you, impersonator);
            assert_eq!(
                (end.reason, end.by_user, end.by_key),
                (reason, Some(by), None)
            );
        }
    }
}
