//! Sign-in history: every sign-in attempt, successful or not, with where it came from; and
//! *Ended sessions*: every session that ended, with why and by whom.

use leptos::prelude::*;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;
use serde::{Deserialize, Serialize};
use sessionboard::model::{
    AccountId, Cursor, Device, EndReason, EndedFilter, EndedSessionView, ImpersonationView,
    Location, LoginOutcome, LoginRecordFilter, LoginRecordView, Page, SessionFlags, SessionsView,
    Timestamp,
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

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndedQuery {
    pub view: SessionsView,
    pub filter: EndedFilter,
    pub after: Option<Cursor>,
}

/// A page of *Ended sessions* and the server's clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EndedPageData {
    pub ended: Page<EndedSessionView>,
    pub now: Timestamp,
}

#[server(endpoint = "ended_sessions", input = leptos::server_fn::codec::Json)]
pub async fn ended_sessions(query: EndedQuery) -> Result<EndedPageData, UiError> {
    use crate::ssr::{app_context, caller, fail, now};
    use sessionboard::model::PageRequest;

    let caller = caller().map_err(fail)?;
    let page = PageRequest {
        after: query.after,
        ..PageRequest::default()
    };
    let now = now();
    let ended = app_context()?
        .service
        .list_ended_sessions(&caller, query.view, &query.filter, page, now)
        .await
        .map_err(fail)?;
    Ok(EndedPageData { ended, now })
}

/// Whose history the URL asks for: `account=7` one owned account's, `account=all` everyone's
/// (platform admins), else one's own. The server decides whether the viewer may.
fn history_view(params: &ParamsMap) -> SessionsView {
    match query::text(params, "account").as_deref() {
        Some("all") => SessionsView::Platform,
        _ => match query::number(params, "account") {
            Some(account) => SessionsView::Account(AccountId(account)),
            None => SessionsView::Mine,
        },
    }
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
    let query_map = use_query_map();
    let ended = move || query::text(&query_map.get(), "show").as_deref() == Some("ended");
    // The tabs keep whose history is shown.
    let tab = move |show: &'static str| {
        let account = query::text(&query_map.get(), "account").unwrap_or_default();
        format!(
            "/history{}",
            query::to_query([("account", account), ("show", show.to_owned())])
        )
    };
    view! {
        <main class="page">
            <h1>"Sign-in history"</h1>
            // Plain links: the router's <A> marks every link to this path as the current page,
            // whatever its query.
            <nav class="tabs" aria-label="History">
                <a href=move || tab("") class="tab" aria-current=move || (!ended()).then_some("page")>"Sign-ins"</a>
                <a href=move || tab("ended") class="tab" aria-current=move || ended().then_some("page")>"Ended sessions"</a>
            </nav>
            {move || if ended() { view! { <EndedSessions /> }.into_any() } else { view! { <SignIns /> }.into_any() }}
        </main>
    }
}

/// "Whose": one's own, each account one owns, and everyone's for platform admins.
#[component]
fn WhoseSelect() -> impl IntoView {
    let viewer = use_viewer();
    let query_map = use_query_map();
    let text = move |key: &str| query::text(&query_map.get(), key).unwrap_or_default();
    let owned: Vec<_> = viewer.owned_accounts().cloned().collect();
    let everyone = viewer.is_platform_admin;
    (!owned.is_empty() || everyone).then(|| view! {
        <label for="history-account">"Whose"</label>
        <select id="history-account" name="account">
            <option value="">"Mine"</option>
            {owned.into_iter().map(|account| {
                let id = account.account_id.0.to_string();
                let is_selected = { let id = id.clone(); move || text("account") == id };
                view! { <option value=id selected=is_selected>{format!("Everyone in {}", account.account_name)}</option> }
            }).collect_view()}
            {everyone.then(|| view! {
                <option value="all" selected=move || text("account") == "all">"Everyone (all accounts)"</option>
            })}
        </select>
    })
}

#[component]
fn SignIns() -> impl IntoView {
    let query_map = use_query_map();
    let history_query = Memo::new(move |_| {
        let params = query_map.get();
        HistoryQuery {
            view: history_view(&params),
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
    view! {
        <p class="lede">"Every sign-in attempt, successful or failed, and where it came from. Kept after sessions end."</p>
        <Form method="GET" action="" attr:class="filters" attr:role="search">
            <WhoseSelect />
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
                    let keys = ["account", "from", "until", "outcome"];
                    let next = page.next.map(|cursor| older_link(&query_map.get(), &keys, cursor));
                    view! { <ActedAsMe acting=acted_as_me /> <HistoryTable records=page.items /> {next} }.into_any()
                }
                Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn EndedSessions() -> impl IntoView {
    let query_map = use_query_map();
    let ended_query = Memo::new(move |_| {
        let params = query_map.get();
        EndedQuery {
            view: history_view(&params),
            filter: EndedFilter {
                reason: query::text(&params, "reason").and_then(|r| EndReason::parse(&r)),
                user: None,
            },
            after: query::cursor(&params),
        }
    });
    let ended = Resource::new(move || ended_query.get(), ended_sessions);
    let text = move |key: &str| query::text(&query_map.get(), key).unwrap_or_default();
    view! {
        <p class="lede">"Sessions that ended, why, and who ended them. Kept until the retention purge."</p>
        <Form method="GET" action="" attr:class="filters" attr:role="search">
            <input type="hidden" name="show" value="ended" />
            <WhoseSelect />
            <label for="ended-reason">"Why"</label>
            <select id="ended-reason" name="reason">
                <option value="">"Any reason"</option>
                {EndReason::ALL.into_iter().map(|reason| view! {
                    <option value=reason.code() selected=move || text("reason") == reason.code()>{reason.label()}</option>
                }).collect_view()}
            </select>
            <button type="submit" class="button primary">"Apply"</button>
        </Form>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || ended.get().map(|result| match result {
                Ok(EndedPageData { ended: page, now }) => {
                    provide_clock(now);
                    let keys = ["account", "show", "reason"];
                    let next = page.next.map(|cursor| older_link(&query_map.get(), &keys, cursor));
                    view! { <EndedTable ended=page.items /> {next} }.into_any()
                }
                Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn EndedTable(ended: Vec<EndedSessionView>) -> impl IntoView {
    if ended.is_empty() {
        return view! { <p class="empty">"No ended sessions match."</p> }.into_any();
    }
    let rows = ended
        .into_iter()
        .map(|ended| {
            let why = ended.why();
            let session = ended.session;
            view! {
                <tr>
                    <td data-label="Ended" class="time">
                        <crate::components::ago::Ago at=ended.ended_at />
                    </td>
                    <td data-label="Why"><span class="end-reason">{why}</span></td>
                    <td data-label="User">{session.user_name}<span class="sub">{session.account_name}</span></td>
                    <td data-label="Application">{session.application}</td>
                    <OriginCells ip=session.ip location=session.location device=session.device flags=session.flags />
                    <td data-label="Signed in" class="time">
                        <crate::components::ago::Ago at=session.created_at />
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="sessions ended">
                <caption class="visually-hidden">"Ended sessions"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Ended"</th>
                        <th scope="col">"Why"</th>
                        <th scope="col">"User"</th>
                        <th scope="col">"Application"</th>
                        <th scope="col">"IP (Location)"</th>
                        <th scope="col">"Device (Browser)"</th>
                        <th scope="col">"Signed in"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Where a sign-in came from and on what, as both history tables show it.
#[component]
fn OriginCells(
    ip: String,
    location: Location,
    device: Device,
    flags: SessionFlags,
) -> impl IntoView {
    view! {
        <td data-label="IP (Location)"><code>{ip}</code><span class="sub">{location.label()}</span></td>
        <td data-label="Device (Browser)">
            <div class="device">
                <DeviceIcon kind=device.kind />
                <span>
                    {device.os_label()}
                    {flags.any().then(|| view! { <FlagBadges flags=flags.clone() /> })}
                    <span class="sub">{device.browser_label()}</span>
                </span>
            </div>
        </td>
    }
}

/// "Older": the next page, keeping the URL's `keys`.
fn older_link(params: &ParamsMap, keys: &[&'static str], cursor: Cursor) -> impl IntoView + use<> {
    let pairs = keys
        .iter()
        .map(|&key| (key, query::text(params, key).unwrap_or_default()))
        .chain([("after", cursor.encode())]);
    view! { <nav class="pager"><A href=query::to_query(pairs)>"Older"</A></nav> }
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
                    <OriginCells ip=record.ip location=record.location device=record.device flags=record.flags />
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
