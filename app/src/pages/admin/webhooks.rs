//! For platform admins: webhook endpoints (register one — its signing secret is shown once —,
//! resume a paused one, delete one) and the recent deliveries to them, with the receiver's
//! answer, how long it took, and a way to send one again.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use sessionboard::model::{
    Cursor, DeliveryState, EventType, Page, WebhookDeliveryId, WebhookDeliveryView,
    WebhookEndpointId, WebhookEndpointView,
};

use super::{Feedback, Outcome, Pager};
use crate::components::confirm::{ConfirmDialog, Confirmation};
use crate::components::signed_in::SignedIn;
use crate::error::UiError;
use crate::query;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WebhooksPage {
    pub endpoints: Vec<WebhookEndpointView>,
    pub deliveries: Page<WebhookDeliveryView>,
}

#[server(endpoint = "admin_webhooks")]
pub async fn admin_webhooks(after: Option<String>) -> Result<WebhooksPage, UiError> {
    use crate::ssr::{app_context, caller, fail};

    let caller = caller().map_err(fail)?;
    let service = app_context()?.service;
    let page = super::page_after(after).map_err(fail)?;
    let endpoints = service.webhook_endpoints(&caller).await.map_err(fail)?;
    let deliveries = service
        .webhook_deliveries(&caller, None, page)
        .await
        .map_err(fail)?;
    Ok(WebhooksPage {
        endpoints,
        deliveries,
    })
}

/// The event checkboxes, one per type (an unticked one is not sent at all): inputs named
/// `events[session_created]` and so on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EventChoice {
    pub session_created: Option<String>,
    pub session_ended: Option<String>,
    pub sign_in_failed: Option<String>,
    pub sign_in_flagged: Option<String>,
    pub person_deactivated: Option<String>,
    pub membership_removed: Option<String>,
    pub bulk_termination_completed: Option<String>,
}

impl EventChoice {
    /// The ticked types, in [`EventType::ALL`]'s order.
    pub fn ticked(self) -> Vec<EventType> {
        let ticked = [
            self.session_created,
            self.session_ended,
            self.sign_in_failed,
            self.sign_in_flagged,
            self.person_deactivated,
            self.membership_removed,
            self.bulk_termination_completed,
        ];
        EventType::ALL
            .into_iter()
            .zip(ticked)
            .filter_map(|(kind, ticked)| ticked.map(|_| kind))
            .collect()
    }
}

/// Registers an endpoint and returns its secret: the only time anyone sees it.
#[server(endpoint = "admin_create_webhook")]
pub async fn admin_create_webhook(
    url: String,
    account: String,
    description: String,
    events: Option<EventChoice>,
) -> Result<String, UiError> {
    use crate::ssr::{app_context, caller, fail, now};
    use sessionboard::service::EndpointForm;

    let caller = caller().map_err(fail)?;
    // No box ticked: nothing of `events` is sent at all.
    let events = events.unwrap_or_default().ticked();
    let form = EndpointForm {
        url: &url,
        events: &events,
        account: Some(&account),
        description: &description,
    };
    let made = app_context()?
        .service
        .add_webhook_endpoint(&caller, form, now())
        .await
        .map_err(fail)?;
    Ok(made.secret.expose().to_owned())
}

#[server(endpoint = "admin_delete_webhook")]
pub async fn admin_delete_webhook(id: WebhookEndpointId) -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .delete_webhook_endpoint(&caller, id)
        .await
        .map_err(fail)
}

#[server(endpoint = "admin_resume_webhook")]
pub async fn admin_resume_webhook(id: WebhookEndpointId) -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .resume_webhook_endpoint(&caller, id, now())
        .await
        .map_err(fail)
}

#[server(endpoint = "admin_resend_webhook")]
pub async fn admin_resend_webhook(id: WebhookDeliveryId) -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .resend_webhook_delivery(&caller, id, now())
        .await
        .map_err(fail)
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    view! { <SignedIn><Webhooks /></SignedIn> }
}

#[component]
fn Webhooks() -> impl IntoView {
    let create = ServerAction::<AdminCreateWebhook>::new();
    let delete = ServerAction::<AdminDeleteWebhook>::new();
    let resume = ServerAction::<AdminResumeWebhook>::new();
    let resend = ServerAction::<AdminResendWebhook>::new();
    let outcome = Outcome::new();
    Effect::new(move |_| {
        outcome.show(delete.value().get(), |()| "Endpoint deleted.".to_owned());
    });
    Effect::new(move |_| {
        outcome.show(resume.value().get(), |()| {
            "Endpoint resumed: its waiting deliveries go out now.".to_owned()
        });
    });
    Effect::new(move |_| {
        outcome.show(resend.value().get(), |()| {
            "Queued to be sent again.".to_owned()
        });
    });
    let query_map = leptos_router::hooks::use_query_map();
    let page = Resource::new(
        move || {
            (
                query::text(&query_map.get(), "after"),
                create.version().get(),
                outcome.reload.get(),
            )
        },
        |(after, ..)| admin_webhooks(after),
    );
    let confirm = RwSignal::new(None::<Confirmation>);
    view! {
        <main class="page page-wide">
            <h1>"Webhooks"</h1>
            <p class="lede">
                "Sessionboard posts each event to the endpoints that want it, signed the "
                <a href="https://www.standardwebhooks.com/">"Standard Webhooks"</a>
                " way, in the order the events happened, and retries for a day. The README lists every event with an example."
            </p>
            {move || create.value().get().map(|result| match result {
                Ok(secret) => view! {
                    <section class="card secret" role="status">
                        <h2>"Endpoint added — copy its signing secret now"</h2>
                        <p>"This is the only time it is shown. Verify each delivery's "
                            <code>"webhook-signature"</code> " with it."</p>
                        <code class="secret-value">{secret}</code>
                    </section>
                }.into_any(),
                Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
            })}
            <Feedback outcome />
            <section class="card">
                <h2>"Add an endpoint"</h2>
                <ActionForm action=create attr:class="webhook-form">
                    <label>"URL"
                        <input name="url" type="url" required maxlength="2000"
                            placeholder="https://example.com/sessionboard-events" />
                    </label>
                    <label>"Only the account (optional)"
                        <input name="account" maxlength="200" placeholder="Every account" />
                    </label>
                    <label>"Description"
                        <input name="description" maxlength="200" placeholder="What receives it" />
                    </label>
                    <fieldset class="event-types">
                        <legend>"Events"</legend>
                        {EventType::ALL.into_iter().map(|kind| {
                            let name = format!("events[{}]", kind.code().replace('.', "_"));
                            view! {
                                <label class="inline">
                                    <input type="checkbox" name=name value="on" checked=true />
                                    " " <code>{kind.code()}</code> " — " {kind.description()}
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <button type="submit" class="button primary">"Add endpoint"</button>
                </ActionForm>
            </section>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || page.get().map(|result| match result {
                    Ok(page) => view! {
                        <Endpoints endpoints=page.endpoints delete resume confirm />
                        <Deliveries deliveries=page.deliveries.items next=page.deliveries.next resend />
                    }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
                })}
            </Transition>
        </main>
        <ConfirmDialog request=confirm />
    }
}

#[component]
fn Endpoints(
    endpoints: Vec<WebhookEndpointView>,
    delete: ServerAction<AdminDeleteWebhook>,
    resume: ServerAction<AdminResumeWebhook>,
    confirm: RwSignal<Option<Confirmation>>,
) -> impl IntoView {
    if endpoints.is_empty() {
        return view! { <p class="empty">"No endpoints yet: nothing is sent."</p> }.into_any();
    }
    let rows = endpoints
        .into_iter()
        .map(|endpoint| {
            let id = endpoint.id;
            let url = endpoint.url.clone();
            let ask = move |_| {
                confirm.set(Some(Confirmation {
                    question: format!(
                        "Delete the endpoint {url}? What is still waiting for it is dropped."
                    ),
                    confirm_label: "Delete".to_owned(),
                    on_confirm: Callback::new(move |()| {
                        delete.dispatch(AdminDeleteWebhook { id });
                    }),
                }))
            };
            let status = match (endpoint.failing_since, endpoint.failing_reason) {
                (Some(since), reason) => view! {
                    <span class="badge alarm">"Paused"</span>
                    <span class="sub">{format!(" since {}: {}", since.to_utc_string(), reason.unwrap_or_default())}</span>
                }
                .into_any(),
                (None, _) => view! { <span class="badge">"Delivering"</span> }.into_any(),
            };
            let paused = endpoint.failing_since.is_some();
            let events = endpoint
                .events
                .iter()
                .map(|kind| kind.code())
                .collect::<Vec<_>>()
                .join(", ");
            view! {
                <tr>
                    <td data-label="URL"><code>{endpoint.url.clone()}</code>
                        <span class="sub">{endpoint.description}</span></td>
                    <td data-label="Events">{events}</td>
                    <td data-label="Account">{endpoint.account_name.unwrap_or_else(|| "Every account".to_owned())}</td>
                    <td data-label="Status">{status}</td>
                    <td data-label="Waiting">{endpoint.waiting.to_string()}</td>
                    <td class="actions">
                        {paused.then(|| view! {
                            <button type="button" class="button" on:click=move |_| { resume.dispatch(AdminResumeWebhook { id }); }>"Resume"</button>
                        })}
                        <button type="button" class="button danger" aria-label=format!("Delete the endpoint {}", endpoint.url) on:click=ask>"Delete"</button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="sessions">
                <caption>"Endpoints"</caption>
                <thead>
                    <tr>
                        <th scope="col">"URL"</th>
                        <th scope="col">"Events"</th>
                        <th scope="col">"Account"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Waiting"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn Deliveries(
    deliveries: Vec<WebhookDeliveryView>,
    next: Option<Cursor>,
    resend: ServerAction<AdminResendWebhook>,
) -> impl IntoView {
    if deliveries.is_empty() {
        return view! { <p class="empty">"No deliveries yet."</p> }.into_any();
    }
    let rows = deliveries
        .into_iter()
        .map(|delivery| {
            let id = delivery.id;
            let state = delivery.state;
            let answer = match (delivery.last_status, delivery.last_attempt_at) {
                (Some(status), _) => status.to_string(),
                (None, Some(_)) => "No answer".to_owned(),
                (None, None) => "Not tried yet".to_owned(),
            };
            let latency = delivery
                .last_latency_ms
                .map(|ms| format!("{ms} ms"))
                .unwrap_or_default();
            let detail = match state {
                DeliveryState::Waiting if delivery.attempts > 0 => format!(
                    "{} Next try {}.",
                    delivery.last_error.clone().unwrap_or_default(),
                    delivery.next_attempt_at.to_utc_string()
                ),
                _ => delivery.last_error.clone().unwrap_or_default(),
            };
            view! {
                <tr>
                    <td data-label="Happened (UTC)" class="time">{delivery.occurred_at.to_short_utc_string()}</td>
                    <td data-label="Event"><code>{delivery.event_type}</code>
                        <span class="sub">{delivery.message_id}</span></td>
                    <td data-label="Endpoint"><code>{delivery.endpoint_url}</code></td>
                    <td data-label="State">{state.label()}
                        <span class="sub">{format!("{} attempt{}", delivery.attempts, if delivery.attempts == 1 { "" } else { "s" })}</span></td>
                    <td data-label="Answer">{answer}<span class="sub">{latency}</span></td>
                    <td data-label="Detail">{detail}</td>
                    <td class="actions">
                        {(state != DeliveryState::Waiting).then(|| view! {
                            <button type="button" class="button" on:click=move |_| { resend.dispatch(AdminResendWebhook { id }); }>"Re-send"</button>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="sessions">
                <caption>"Recent deliveries"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Happened (UTC)"</th>
                        <th scope="col">"Event"</th>
                        <th scope="col">"Endpoint"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Answer"</th>
                        <th scope="col">"Detail"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <Pager keep=&[] next />
    }
    .into_any()
}
