//! Sign-in history: every sign-in attempt, successful or not, with where it came from.

use leptos::prelude::*;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};
use sessionboard::model::{
    AccountId, Cursor, ImpersonationView, LoginOutcome, LoginRecordFilter, LoginRecordView, Page,
    SessionsView, Timestamp,
};

use crate::components::ago::provide_clock;
use crate::components::device_icon::DeviceIcon;
use crate::components::flags::FlagBadges;
use crate::components::signed_in::{SignedIn, use_viewer};
use crate::error::UiError;
use crate::query;

const DAY_MILLIS: i64 = 24 * 3600 * 1000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryQuery {
    pub view: SessionsView,
    pub filter: LoginRecordFilter,
    pub after: Option<Cursor>,
}

#[server(endpoint = "login_history", input = leptos::server_fn::codec::Json)]
pub async fn login_history(query: HistoryQuery) -> Result<HistoryPageData, UiError> {
    use crate::ssr::{app_context, caller, fail, now};
    use sessionboard::model::PageRequest;

    let caller = caller().map_err(fail)?;
    let page = PageRequest {
        after: query.after,
        ..PageRequest::default()
    };
    let service = app_context()?.service;
    let records = service
        .list_login_records(&caller, query.view, &query.filter, page)
        .await
        .map_err(fail)?;
    // One's own history, first page: when representatives acted as them, where the account
    // shows it.
    let acted_as_me = match (query.view, query.after) {
        (SessionsView::Mine, None) => {
            service
                .acted_as_me(&caller, PageRequest::default())
                .await
                .map_err(fail)?
                .items
        }
        _ => Vec::new(),
    };
    Ok(HistoryPageData {
        records,
        now: now(),
        acted_as_me,
    })
}

/// A page of the sign-in history, the server's clock, and (on one's own first page) the
/// times a sales representative acted as them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryPageData {
    pub records: Page<LoginRecordView>,
    pub now: Timestamp,
    pub acted_as_me: Vec<ImpersonationView>,
}

/// `2026-11-23` as the start of that day (UTC), in milliseconds.
fn parse_date(text: &str) -> Option<Timestamp> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, format).ok()?;
    Some(Timestamp::from_millis(
        date.midnight().assume_utc().unix_timestamp() * 1000,
    ))
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    view! { <SignedIn><History /></SignedIn> }
}

#[component]
fn History() -> impl IntoView {
    let viewer = use_viewer();
    let query_map = use_query_map();
    let history_query = Memo::new(move |_| {
        let params = query_map.get();
        let view = match query::number(&params, "account") {
            Some(account) => SessionsView::Account(AccountId(account)),
            None => SessionsView::Mine,
        };
        HistoryQuery {
            view,
            filter: LoginRecordFilter {
                from: query::text(&params, "from").and_then(|d| parse_date(&d)),
                // "until" is inclusive in the form: records up to the end of that day.
                until: query::text(&params, "until")
                    .and_then(|d| parse_date(&d))
                    .map(|day| Timestamp::from_millis(day.as_millis() + DAY_MILLIS)),
                outcome: query::text(&params, "outcome").and_then(|o| LoginOutcome::parse(&o)),
                user: None,
            },
            after: query::cursor(&params),
        }
    });
    let records = Resource::new(move || history_query.get(), login_history);
    let text = move |key: &str| query::text(&query_map.get(), key).unwrap_or_default();
    let owned: Vec<_> = viewer.owned_accounts().cloned().collect();
    view! {
        <main class="page">
            <h1>"Sign-in history"</h1>
            <p class="lede">"Every sign-in attempt, successful or failed, and where it came from. Kept after sessions end."</p>
            <Form method="GET" action="" attr:class="filters" attr:role="search">
                {(!owned.is_empty()).then(|| view! {
                    <label for="history-account">"Whose"</label>
                    <select id="history-account" name="account">
                        <option value="">"Mine"</option>
                        {owned.into_iter().map(|account| {
                            let id = account.account_id.0.to_string();
                            let is_selected = { let id = id.clone(); move || text("account") == id };
                            view! { <option value=id selected=is_selected>{format!("Everyone in {}", account.account_name)}</option> }
                        }).collect_view()}
                    </select>
                })}
                <label for="history-from">"From"</label>
                <input id="history-from" type="date" name="from" prop:value=move || text("from") />
                <label for="history-until">"Until"</label>
                <input id="history-until" type="date" name="until" prop:value=move || text("until") />
                <label for="history-outcome">"Outcome"</label>
                <select id="history-outcome" name="outcome">
                    <option value="">"All"</option>
                    <option value="success" selected=move || text("outcome") == "success">"Succeeded"</option>
                    <option value="invalid_credentials" selected=move || text("outcome") == "invalid_credentials">"Failed"</option>
                </select>
                <button type="submit" class="button primary">"Apply"</button>
            </Form>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || records.get().map(|result| match result {
                    Ok(HistoryPageData { records: page, now, acted_as_me }) => {
                        provide_clock(now);
                        let next = page.next.map(|cursor| {
                            let params = query_map.get();
                            let pairs = ["account", "from", "until", "outcome"]
                                .into_iter()
                                .map(|key| (key, query::text(&params, key).unwrap_or_default()))
                                .chain([("after", cursor.encode())]);
                            view! { <nav class="pager"><A href=query::to_query(pairs)>"Older"</A></nav> }
                        });
                        view! { <ActedAsMe acting=acted_as_me /> <HistoryTable records=page.items /> {next} }.into_any()
                    }
                    Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
                })}
            </Transition>
        </main>
    }
}

/// "Markus Bauer (sales representative) acted as you, 10:02–10:17": never a session of theirs,
/// shown only where their account chose to (its settings).
#[component]
fn ActedAsMe(acting: Vec<ImpersonationView>) -> impl IntoView {
    (!acting.is_empty()).then(|| {
        let items = acting
            .into_iter()
            .map(|acting| {
                let until = acting
                    .ended_at
                    .map(|end| end.to_utc_string())
                    .unwrap_or_else(|| "now".to_owned());
                view! {
                    <li>
                        <strong>{acting.impersonator_name}</strong>
                        " (sales representative) acted as you in "
                        {acting.target_account_name}
                        ", "
                        {acting.started_at.to_utc_string()}
                        "–"
                        {until}
                        " (UTC)"
                    </li>
                }
            })
            .collect_view();
        view! {
            <section class="card acted-as-me">
                <h2>"When you were acted as"</h2>
                <ul>{items}</ul>
            </section>
        }
    })
}

#[component]
fn HistoryTable(records: Vec<LoginRecordView>) -> impl IntoView {
    if records.is_empty() {
        return view! { <p class="empty">"No sign-in attempts match."</p> }.into_any();
    }
    let rows = records
        .into_iter()
        .map(|record| {
            let (outcome, class) = match record.outcome {
                LoginOutcome::Success => ("Succeeded", "outcome ok"),
                LoginOutcome::InvalidCredentials => ("Failed: wrong email or password", "outcome failed"),
            };
            view! {
                <tr>
                    <td data-label="When" class="time">
                        <crate::components::ago::Ago at=record.at />
                    </td>
                    <td data-label="Outcome"><span class=class>{outcome}</span></td>
                    <td data-label="User">{record.user_name.unwrap_or_else(|| record.email.clone())}</td>
                    <td data-label="Application">{record.application}</td>
                    <td data-label="IP (Location)"><code>{record.ip}</code><span class="sub">{record.location.label()}</span></td>
                    <td data-label="Device (Browser)">
                        <div class="device">
                            <DeviceIcon kind=record.device.kind />
                            <span>
                                {record.device.os_label()}
                                {record.flags.any().then(|| view! { <FlagBadges flags=record.flags.clone() /> })}
                                <span class="sub">{record.device.browser_label()}</span>
                            </span>
                        </div>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="sessions">
                <caption class="visually-hidden">"Sign-in attempts"</caption>
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"User"</th>
                        <th scope="col">"Application"</th>
                        <th scope="col">"IP (Location)"</th>
                        <th scope="col">"Device (Browser)"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
