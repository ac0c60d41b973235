//! The bar at the top of every signed-in page: who you are, where you can go, logging out, and
//! the impersonation banner.

use leptos::prelude::*;
use leptos_router::components::A;
use sessionboard::model::Viewer;

use crate::error::UiError;

/// The signed-in person, or `None` when signed out.
#[server(endpoint = "current_viewer")]
pub async fn current_viewer() -> Result<Option<Viewer>, UiError> {
    use crate::ssr::{app_context, caller, fail};

    let Ok(caller) = caller() else {
        return Ok(None);
    };
    let viewer = app_context()?.service.viewer(&caller).await.map_err(fail)?;
    Ok(Some(viewer))
}

/// Ends this browser's session and forgets its cookie. Without a live session there is
/// nothing to forget: the cookie middleware already clears a cookie naming a dead one, and a
/// request without a session sets no cookie at all.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail, now, session_cookie, set_cookie};

    if let Ok(caller) = caller() {
        app_context()?
            .service
            .sign_out(&caller, now())
            .await
            .map_err(fail)?;
        set_cookie(&session_cookie()?.clear());
    }
    leptos_axum::redirect("/login");
    Ok(())
}

/// Returns a sales representative from acting as a customer to their own account.
#[server(endpoint = "end_impersonation")]
pub async fn end_impersonation() -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .end_impersonation(&caller, now())
        .await
        .map_err(fail)?;
    leptos_axum::redirect("/sessions");
    Ok(())
}

#[component]
pub fn AppHeader(viewer: Viewer) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let owned: Vec<_> = viewer.owned_accounts().cloned().collect();
    let banner = viewer.impersonator.clone().map(|rep| {
        view! {
            <div class="banner" role="status">
                <span>
                    "Acting as " <strong>{viewer.name.clone()}</strong> " ("
                    {viewer.account_name.clone()} ")"
                    <span class="banner-who">" — signed in as " {rep.name}</span>
                </span>
                // A plain form post, answered with a redirect: the whole page reloads as the
                // representative, with nothing of the customer's view left in memory.
                <form method="post" action="/api/end_impersonation">
                    <button type="submit" class="button">"Return to my account"</button>
                </form>
            </div>
        }
    });
    let account_links = owned
        .into_iter()
        .map(|account| {
            view! {
                <A href=format!("/accounts/{}/sessions", account.account_id)>
                    {format!("{} sessions", account.account_name)}
                </A>
                <A href=format!("/accounts/{}/members", account.account_id)>"Members"</A>
                <A href=format!("/accounts/{}/settings", account.account_id)>"Settings"</A>
            }
        })
        .collect_view();
    view! {
        {banner}
        <header class="app-header">
            <a class="brand" href="/sessions">"Sessionboard"</a>
            <nav class="nav" aria-label="Main">
                <A href="/sessions">"My sessions"</A>
                <A href="/history">"Sign-in history"</A>
                // One's own password only: while acting, the customer's is not the
                // representative's to change.
                {viewer.impersonator.is_none().then(|| view! {
                    <A href="/account/password">"Password"</A>
                })}
                {account_links}
                {viewer.is_platform_admin.then(|| view! {
                    <A href="/admin/sessions">"All sessions"</A>
                    <A href="/admin/audit">"Audit log"</A>
                    <A href="/admin/api-keys">"API keys"</A>
                    <A href="/admin/accounts">"Accounts"</A>
                    <A href="/admin/people">"People"</A>
                    <A href="/admin/applications">"Applications"</A>
                    <A href="/admin/changes">"Changes"</A>
                    <A href="/admin/webhooks">"Webhooks"</A>
                }
                // Type-erased: eight links as one statically typed tuple made the server's
                // rendering future deep enough to overflow a 2 MiB stack in debug builds.
                .into_any())}
                {(viewer.is_sales_rep && viewer.impersonator.is_none()).then(|| view! {
                    <A href="/act-as">"Act as customer"</A>
                })}
            </nav>
            <div class="who">
                <span class="who-name">{viewer.name.clone()}</span>
                <span class="who-account">{viewer.account_name.clone()}</span>
            </div>
            <ActionForm action=sign_out>
                <button type="submit" class="button">"Log out"</button>
            </ActionForm>
        </header>
    }
}
