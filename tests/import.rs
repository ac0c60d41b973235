//! `sessionboard import FILE.csv` (`Operator::import_csv`) on every store: what a roster
//! creates, that running it again changes nothing, what counts as updated, and that a file with
//! mistakes writes nothing and names every bad row.

mod common;

on_every_store!(
    a_file_creates_accounts_people_and_memberships_and_a_link_per_new_person,
    a_second_run_of_the_same_file_changes_nothing,
    a_changed_role_job_label_or_name_is_counted_as_updated,
    a_file_with_bad_rows_writes_nothing_and_lists_every_bad_row_with_its_line,
    a_file_without_a_header_column_is_refused,
    new_people_cannot_sign_in_until_they_use_their_link,
    a_file_that_would_leave_an_account_without_an_owner_writes_nothing,
);

use std::collections::BTreeMap;

use common::{Backend, CHROME_WINDOWS, PASSWORD, T0, World, world};
use sessionboard::Error;
use sessionboard::model::{
    AccountId, ChangeFilter, ChangeView, PageRequest, PersonView, Role, UserId,
};
use sessionboard::service::{
    Channel, Counts, ImportError, ImportReport, SignIn, SignedIn, WEB_APPLICATION,
};
use sessionboard::store::Scope;

/// Bob is already in Acme, as this says; everyone else is new, Peter in two accounts.
const ROSTER: &str = "\
Account,Name,Email,Role,Job label
Acme,Bob Baker,bob@acme.example,employee,
Initech,Peter Gibbons,Peter@Initech.example,employee,Engineering
Initech,Bill Lumbergh,bill@initech.example,Owner,Management
Chotchkie's,Joanna,joanna@chotchkies.example,owner,Waitress
Chotchkie's,Peter Gibbons,peter@initech.example,employee,Regular
";

async fn import(w: &World, csv: &str) -> ImportReport {
    w.operator
        .import_csv(csv.as_bytes(), T0)
        .await
        .expect("the file imports")
}

async fn refused(w: &World, csv: &str) -> ImportError {
    match w.operator.import_csv(csv.as_bytes(), T0).await {
        Ok(report) => panic!("imported: {report:?}"),
        Err(error) => error,
    }
}

fn counts(created: usize, updated: usize, unchanged: usize) -> Counts {
    Counts {
        created,
        updated,
        unchanged,
    }
}

/// Every change in the audit log, newest first.
async fn changes(w: &World) -> Vec<ChangeView> {
    let page = PageRequest {
        after: None,
        limit: 200,
    };
    w.operator
        .store()
        .list_changes(Scope::All, &ChangeFilter::default(), page)
        .await
        .unwrap()
        .items
}

/// How many changes of each kind.
fn kinds(changes: &[ChangeView]) -> BTreeMap<&'static str, usize> {
    let mut kinds = BTreeMap::new();
    for change in changes {
        *kinds.entry(change.kind.as_str()).or_insert(0) += 1;
    }
    kinds
}

async fn account(w: &World, name: &str) -> Option<AccountId> {
    w.operator.store().account_by_name(name).await.unwrap()
}

async fn person(w: &World, email: &str) -> Option<PersonView> {
    w.operator.store().person_by_email(email).await.unwrap()
}

async fn user(w: &World, email: &str) -> UserId {
    person(w, email).await.expect("the person exists").id
}

async fn membership(w: &World, email: &str, account_name: &str) -> Option<(Role, String)> {
    let account = account(w, account_name).await.expect("the account exists");
    let user = user(w, email).await;
    w.operator.store().membership(user, account).await.unwrap()
}

fn member(role: Role, job_label: &str) -> Option<(Role, String)> {
    Some((role, job_label.to_owned()))
}

async fn sign_in(w: &World, email: &str, password: &str) -> Result<SignedIn, Error> {
    w.service
        .sign_in(
            SignIn {
                email,
                password,
                application: WEB_APPLICATION.into(),
                ip: "192.0.2.1".parse().unwrap(),
                user_agent: CHROME_WINDOWS,
                channel: Channel::Web,
            },
            T0,
        )
        .await
}

async fn a_file_creates_accounts_people_and_memberships_and_a_link_per_new_person(
    backend: Backend,
) {
    let w = world(backend).await;

    let report = import(&w, ROSTER).await;

    assert_eq!(report.accounts, counts(2, 0, 1), "Acme was there");
    assert_eq!(report.people, counts(3, 0, 1), "Bob was there");
    assert_eq!(report.memberships, counts(4, 0, 1), "Bob was in Acme");
    let emails: Vec<&str> = report
        .links
        .iter()
        .map(|(email, _)| email.as_str())
        .collect();
    assert_eq!(
        emails,
        [
            "peter@initech.example",
            "bill@initech.example",
            "joanna@chotchkies.example"
        ],
        "one link per new person, in the file's order, the email lower-cased"
    );
    for (email, link) in &report.links {
        assert_eq!(link.user_id, user(&w, email).await);
        assert!(
            link.path.starts_with("/set-password?token="),
            "{}",
            link.path
        );
    }

    assert_eq!(account(&w, "Acme").await, Some(w.acme));
    let peter = person(&w, "peter@initech.example").await.unwrap();
    assert_eq!(peter.name, "Peter Gibbons");
    assert!(!peter.has_password);
    assert!(!peter.is_platform_admin && !peter.is_sales_rep);
    let peter_initech = membership(&w, "peter@initech.example", "Initech").await;
    assert_eq!(peter_initech, member(Role::Employee, "Engineering"));
    let peter_chotchkies = membership(&w, "peter@initech.example", "Chotchkie's").await;
    assert_eq!(peter_chotchkies, member(Role::Employee, "Regular"));
    let bill = membership(&w, "bill@initech.example", "Initech").await;
    assert_eq!(bill, member(Role::Owner, "Management"));
    let joanna = membership(&w, "joanna@chotchkies.example", "Chotchkie's").await;
    assert_eq!(joanna, member(Role::Owner, "Waitress"));
    let bob = membership(&w, "bob@acme.example", "Acme").await;
    assert_eq!(bob, member(Role::Employee, ""));

    // Every write has its audit record, by the operator.
    let log = changes(&w).await;
    assert_eq!(
        kinds(&log),
        BTreeMap::from([
            ("account_created", 2),
            ("membership_added", 4),
            ("password_link_issued", 3),
            ("person_created", 3),
        ])
    );
    for change in &log {
        assert_eq!(change.actor_id, None, "{change:?}");
        assert_eq!(change.who(), "the command line");
    }
}

async fn a_second_run_of_the_same_file_changes_nothing(backend: Backend) {
    let w = world(backend).await;
    import(&w, ROSTER).await;
    let before = changes(&w).await;

    let again = import(&w, ROSTER).await;

    assert_eq!(again.accounts, counts(0, 0, 3));
    assert_eq!(again.people, counts(0, 0, 4));
    assert_eq!(again.memberships, counts(0, 0, 5));
    assert!(again.links.is_empty(), "{:?}", again.links);
    assert_eq!(changes(&w).await, before, "no new change records");
}

async fn a_changed_role_job_label_or_name_is_counted_as_updated(backend: Backend) {
    let w = world(backend).await;
    import(&w, ROSTER).await;
    let mut expected = kinds(&changes(&w).await);
    // Bob gets a job label, Peter becomes an owner, Bill is spelt out; Peter's row for
    // Chotchkie's is left out, which removes nothing.
    let changed = "\
account,name,email,role,job label
Acme,Bob Baker,bob@acme.example,employee,Warehouse
Initech,Peter Gibbons,peter@initech.example,OWNER,Engineering
Initech,William Lumbergh,bill@initech.example,owner,Management
Chotchkie's,Joanna,joanna@chotchkies.example,owner,Waitress
";

    let report = import(&w, changed).await;

    assert_eq!(report.accounts, counts(0, 0, 3));
    assert_eq!(report.people, counts(0, 1, 3));
    assert_eq!(report.memberships, counts(0, 2, 2));
    assert!(report.links.is_empty());
    let bob = membership(&w, "bob@acme.example", "Acme").await;
    assert_eq!(bob, member(Role::Employee, "Warehouse"));
    let peter = membership(&w, "peter@initech.example", "Initech").await;
    assert_eq!(peter, member(Role::Owner, "Engineering"));
    let bill = person(&w, "bill@initech.example").await.unwrap();
    assert_eq!(bill.name, "William Lumbergh");
    let left_out = membership(&w, "peter@initech.example", "Chotchkie's").await;
    assert_eq!(left_out, member(Role::Employee, "Regular"));

    expected.insert("membership_changed", 2);
    expected.insert("person_edited", 1);
    assert_eq!(kinds(&changes(&w).await), expected, "one record per update");
}

async fn a_file_with_bad_rows_writes_nothing_and_lists_every_bad_row_with_its_line(
    backend: Backend,
) {
    let w = world(backend).await;
    let file = "\
account,name,email,role,job label
Initech,Peter Gibbons,peter@initech.example,employee,Engineering
Initech,Bill Lumbergh,bill@initech.example,boss,Management
Initech,Milton Waddams,milton.initech.example,employee,Basement
Chotchkie's,Pete Gibbons,peter@initech.example,employee,
Initech,Samir
Initech,Michael Bolton,michael@initech.example,employee,Engineering
Initech,Peter Gibbons,PETER@initech.example,owner,
";

    let error = refused(&w, file).await;

    let ImportError::BadRows(bad) = &error else {
        panic!("{error}");
    };
    let lines: Vec<u64> = bad.iter().map(|row| row.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 8], "{error}");
    assert_eq!(
        bad[0].to_string(),
        "line 3: unknown role \"boss\" (owner or employee)"
    );
    assert!(bad[1].reason.contains("email"), "{}", bad[1]);
    assert!(
        bad[2].reason.contains("line 2"),
        "the earlier line: {}",
        bad[2]
    );
    assert!(bad[3].reason.contains("cells"), "{}", bad[3]);
    assert!(
        bad[4].reason.contains("line 2"),
        "the earlier line: {}",
        bad[4]
    );
    assert_eq!(error.to_string().lines().count(), 5, "one line per bad row");

    assert_eq!(account(&w, "Initech").await, None);
    assert!(person(&w, "peter@initech.example").await.is_none());
    assert!(person(&w, "michael@initech.example").await.is_none());
    assert!(changes(&w).await.is_empty(), "nothing written");
}

async fn a_file_without_a_header_column_is_refused(backend: Backend) {
    let w = world(backend).await;
    let without_role = "\
account,name,email,job label
Initech,Peter Gibbons,peter@initech.example,Engineering
";
    let with_phone = "\
account,name,email,role,job label,phone
Initech,Peter Gibbons,peter@initech.example,employee,Engineering,555-0100
";

    for (file, column) in [(without_role, "\"role\""), (with_phone, "\"phone\"")] {
        match refused(&w, file).await {
            ImportError::Unreadable(message) => {
                assert!(message.starts_with("line 1: "), "{message}");
                assert!(message.contains(column), "{message}");
            }
            other => panic!("{other}"),
        }
    }
    assert_eq!(account(&w, "Initech").await, None);
    assert!(person(&w, "peter@initech.example").await.is_none());
    assert!(changes(&w).await.is_empty(), "nothing written");
}

async fn new_people_cannot_sign_in_until_they_use_their_link(backend: Backend) {
    let w = world(backend).await;
    let report = import(&w, ROSTER).await;
    let link = |email: &str| {
        let (_, link) = report
            .links
            .iter()
            .find(|(to, _)| to == email)
            .expect("a link for each new person");
        link.path
            .strip_prefix("/set-password?token=")
            .expect("the link carries its token")
            .to_owned()
    };

    for password in ["", PASSWORD] {
        let refused = sign_in(&w, "peter@initech.example", password).await;
        assert!(
            matches!(refused, Err(Error::InvalidCredentials)),
            "{refused:?}"
        );
    }

    let peter_link = link("peter@initech.example");
    let ip = "192.0.2.1".parse().unwrap();
    let peter = w
        .service
        .set_password_with_link(&peter_link, PASSWORD, ip, T0)
        .await
        .unwrap();
    assert_eq!(peter, user(&w, "peter@initech.example").await);
    let signed_in = sign_in(&w, "peter@initech.example", PASSWORD)
        .await
        .expect("with the password from the link");
    let caller = w
        .service
        .authenticate(signed_in.token.as_str(), T0)
        .await
        .unwrap();
    assert_eq!(caller.user_id, peter);

    // The link is spent, and Bill's own link is still his alone to use.
    let again = w
        .service
        .set_password_with_link(&peter_link, "another long passphrase", ip, T0)
        .await;
    assert!(matches!(again, Err(Error::LinkNotValid)), "{again:?}");
    let bill = sign_in(&w, "bill@initech.example", PASSWORD).await;
    assert!(matches!(bill, Err(Error::InvalidCredentials)), "{bill:?}");
}

async fn a_file_that_would_leave_an_account_without_an_owner_writes_nothing(backend: Backend) {
    let w = world(backend).await;
    // Alice is Acme's only owner; the file makes her an employee, and adds a new person.
    let demoting = "\
account,name,email,role,job label
Acme,New Person,new@acme.example,employee,
Acme,Alice Archer,alice@acme.example,employee,Sales
";
    let before = changes(&w).await.len();
    let ImportError::BadRows(bad) = refused(&w, demoting).await else {
        panic!("refused for its rows");
    };
    assert_eq!(bad.iter().map(|row| row.line).collect::<Vec<_>>(), vec![3]);
    assert!(bad[0].reason.contains("without an owner"), "{}", bad[0]);
    assert_eq!(changes(&w).await.len(), before, "nothing written");
    // With someone else made owner in the same file, it goes through.
    let handing_over = "\
account,name,email,role,job label
Acme,Bob Baker,bob@acme.example,owner,
Acme,Alice Archer,alice@acme.example,employee,Sales
";
    let report = import(&w, handing_over).await;
    assert_eq!(report.memberships, counts(0, 2, 0));
}
