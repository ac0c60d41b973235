//! Applications (web app, mobile apps, API clients), as platform admins manage them.

use super::accounts::created;
use super::changes::Author;
use super::changes::{About, Actor};
use super::setup::checked_name;
use super::{Caller, SessionService, WEB_APPLICATION};
use crate::access;
use crate::error::{Error, Result};
use crate::model::{ApplicationId, ApplicationView, ChangeKind, Timestamp};
use crate::store::DirectoryChange;

impl SessionService {
    /// Applications not retired, with their live API keys. Platform admins only.
    pub async fn list_live_applications(&self, caller: &Caller) -> Result<Vec<ApplicationView>> {
        access::may_administer(&self.principal(caller).await?)?;
        self.store.list_live_applications().await
    }

    pub async fn create_application(
        &self,
        actor: &Actor,
        name: &str,
        now: Timestamp,
    ) -> Result<ApplicationId> {
        access::may_administer(&self.principal(&actor.caller).await?)?;
        access::may_change_people(actor.is_acting())?;
        self.new_application(Author::Person(actor), name, now).await
    }

    /// Creates an application, once authorised (an admin, or the operator).
    pub(super) async fn new_application(
        &self,
        author: Author<'_>,
        name: &str,
        now: Timestamp,
    ) -> Result<ApplicationId> {
        let name = application_name(name)?;
        let applied = self
            .apply(
                author,
                DirectoryChange::CreateApplication { name: &name },
                ChangeKind::ApplicationCreated,
                About::default(),
                format!("created application “{name}”"),
                now,
            )
            .await?;
        created(applied.created).map(ApplicationId)
    }

    pub async fn rename_application(
        &self,
        actor: &Actor,
        application: ApplicationId,
        name: &str,
        now: Timestamp,
    ) -> Result<()> {
        access::may_administer(&self.principal(&actor.caller).await?)?;
        access::may_change_people(actor.is_acting())?;
        let name = application_name(name)?;
        let old = self.live_application_name(application).await?;
        self.apply(
            Author::Person(actor),
            DirectoryChange::RenameApplication {
                application,
                name: &name,
            },
            ChangeKind::ApplicationRenamed,
            about(application),
            format!("renamed application “{old}” to “{name}”"),
            now,
        )
        .await?;
        Ok(())
    }

    /// Retires an application: its API keys are revoked and its sessions end at once; nobody
    /// can sign in to it again. Returns how many sessions and keys ended.
    pub async fn retire_application(
        &self,
        actor: &Actor,
        application: ApplicationId,
        now: Timestamp,
    ) -> Result<usize> {
        access::may_administer(&self.principal(&actor.caller).await?)?;
        access::may_change_people(actor.is_acting())?;
        let name = self.live_application_name(application).await?;
        let applied = self
            .apply(
                Author::Person(actor),
                DirectoryChange::RetireApplication { application },
                ChangeKind::ApplicationRetired,
                about(application),
                format!("retired application “{name}”"),
                now,
            )
            .await?;
        Ok(applied.ended.len())
    }

    /// A live application's name. The web app is refused: it is how people reach Sessionboard
    /// itself, and browser sign-ins find it by that name.
    async fn live_application_name(&self, application: ApplicationId) -> Result<String> {
        let name = self
            .store
            .list_live_applications()
            .await?
            .into_iter()
            .find(|live| live.id == application)
            .map(|live| live.name)
            .ok_or(Error::NotFound("application"))?;
        if name == WEB_APPLICATION {
            return Err(Error::Forbidden(
                "the web app is how people sign in to Sessionboard; it cannot be renamed or retired",
            ));
        }
        Ok(name)
    }
}

fn application_name(name: &str) -> Result<String> {
    checked_name(
        name,
        "an application name is required",
        "the application name is too long",
    )
}

fn about(application: ApplicationId) -> About {
    About {
        application: Some(application),
        ..About::default()
    }
}
