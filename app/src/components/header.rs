//! The bar at the top of every signed-in page: who you are, and logging out.

use leptos::prelude::*;
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

/// Ends this browser's session and forgets its cookie.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail, now, set_cookie};

    let context = app_context()?;
    if let Ok(caller) = caller() {
        context
            .service
            .sign_out(&caller, now())
            .await
            .map_err(fail)?;
    }
    set_cookie(&context.cookies.clear());
    leptos_axum::redirect("/login");
    Ok(())
}

#[component]
pub fn AppHeader(viewer: Viewer) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <header class="app-header">
            <a class="brand" href="/sessions">"Sessionboard"</a>
            <div class="who">
                <span class="who-name">{viewer.name}</span>
                <span class="who-account">{viewer.account_name}</span>
            </div>
            <ActionForm action=sign_out>
                <button type="submit" class="button">"Log out"</button>
            </ActionForm>
        </header>
    }
}
