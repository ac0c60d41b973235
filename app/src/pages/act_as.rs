//! For sales representatives: pick a customer user and act as them.

use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use sessionboard::model::{AccountId, CustomerUser, UserId};

use crate::components::signed_in::SignedIn;
use crate::error::UiError;
use crate::query;

#[server(endpoint = "find_customers")]
pub async fn find_customers(search: String) -> Result<Vec<CustomerUser>, UiError> {
    use crate::ssr::{app_context, caller, fail};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .list_customers(&caller, &search)
        .await
        .map_err(fail)
}

#[server(endpoint = "start_impersonation")]
pub async fn start_impersonation(user: UserId, account: AccountId) -> Result<(), UiError> {
    use crate::ssr::{app_context, caller, fail, now};

    let caller = caller().map_err(fail)?;
    app_context()?
        .service
        .start_impersonation(&caller, user, account, now())
        .await
        .map_err(fail)?;
    leptos_axum::redirect("/sessions");
    Ok(())
}

#[component]
pub fn ActAsPage() -> impl IntoView {
    view! { <SignedIn><ActAs /></SignedIn> }
}

#[component]
fn ActAs() -> impl IntoView {
    let query_map = use_query_map();
    let search = Memo::new(move |_| query::text(&query_map.get(), "q").unwrap_or_default());
    let customers = Resource::new(move || search.get(), find_customers);
    let start = ServerAction::<StartImpersonation>::new();
    view! {
        <main class="page page-medium">
            <h1>"Act as a customer"</h1>
            <p class="lede">
                "See Sessionboard exactly as a customer user does. Your acting is recorded in the "
                "audit log and never appears among the customer's sessions."
            </p>
            <Form method="GET" action="" attr:class="filters" attr:role="search">
                <label for="customer-q">"Customer"</label>
                <input id="customer-q" type="search" name="q" maxlength="100" placeholder="Name or email" prop:value=move || search.get() />
                <button type="submit" class="button primary">"Find"</button>
            </Form>
            {move || start.value().get().and_then(Result::err).map(|error| view! { <p class="form-error" role="alert">{error.message()}</p> })}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || customers.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p class="empty">"No customer users match."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="customers">
                            {list.into_iter().map(|customer| {
                                let label = format!("Act as {} ({})", customer.name, customer.account_name);
                                view! {
                                    <li>
                                        <span>
                                            <strong>{customer.name.clone()}</strong>
                                            <span class="sub">{format!("{} · {}", customer.email, customer.account_name)}</span>
                                        </span>
                                        <ActionForm action=start>
                                            <input type="hidden" name="user" value=customer.user_id.0.to_string() />
                                            <input type="hidden" name="account" value=customer.account_id.0.to_string() />
                                            <button type="submit" class="button" aria-label=label>"Act as"</button>
                                        </ActionForm>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <p class="form-error" role="alert">{error.message()}</p> }.into_any(),
                })}
            </Transition>
        </main>
    }
}
