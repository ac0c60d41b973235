//! Bringing a roster in from a spreadsheet: `sessionboard import FILE.csv`.
//!
//! Each row says that a person belongs to an account: account, name, email, role and job label,
//! under a header row that names those columns in any order. The whole file is read and checked
//! before anything is written, so a file with mistakes changes nothing and lists every mistake
//! at once, each with its line. Then each account, person and membership is written only where
//! it is missing or different, by the operator, each change with its audit record: the same file
//! run twice changes nothing the second time, and a run that stopped partway (the database went
//! away) is finished by running the file again.
//!
//! Steps: `parse` (the CSV's shape), `validate` (each cell, then rows against each other),
//! `plan` (what the database already holds), `carry_out` (the writes).

use std::collections::HashMap;
use std::fmt;
use std::io::Read;

use super::SessionService;
use super::accounts::job_label;
use super::changes::{About, Author};
use super::setup::{checked_email, checked_name};
use crate::error::{Error, Result};
use crate::model::{AccountId, ChangeKind, PasswordLink, PersonView, Role, Timestamp, UserId};
use crate::store::DirectoryChange;

/// Why an import wrote nothing, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not a roster at all: it cannot be read, or its header row is missing or
    /// names the wrong columns. Nothing was written.
    #[error("{0}")]
    Unreadable(String),
    /// Rows that are wrong, every one of them, in the file's order. Nothing was written.
    #[error("{}", one_per_line(.0))]
    BadRows(Vec<BadRow>),
    /// The engine failed while planning or writing. What was written before stays (each change
    /// with its audit record); running the same file again finishes the rest.
    #[error("the import stopped: {}; running the file again finishes it", .0.report())]
    Engine(#[from] Error),
}

/// A row that cannot be imported, and why: `line 7: unknown role "boss" (owner or employee)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    /// Where the row starts in the file, counting the header as line 1.
    pub line: u64,
    pub reason: String,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// What an import did with one kind of thing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} unchanged",
            self.created, self.updated, self.unchanged
        )
    }
}

/// What an import did, and the set-password links of the people it created, to hand over.
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    pub accounts: Counts,
    pub people: Counts,
    pub memberships: Counts,
    /// One per new person, with their email: shown once, never stored.
    pub links: Vec<(String, PasswordLink)>,
}

impl SessionService {
    /// Imports a roster from CSV text. For the operator only ([`super::Operator::import_csv`]):
    /// there is no caller to authorise. With any bad row nothing is written and every bad row
    /// is returned.
    pub(super) async fn import_csv(
        &self,
        reader: impl Read,
        now: Timestamp,
    ) -> Result<ImportReport, ImportError> {
        let rows = validate(parse(reader)?)?;
        let plan = self.plan(rows).await?;
        self.check_owners(&plan, now).await?;
        Ok(self.carry_out(plan, now).await?)
    }

    /// Looks up what the rows name, before anything is written.
    async fn plan(&self, rows: Vec<Row>) -> Result<Plan> {
        let mut plan = Plan::default();
        let mut accounts = HashMap::new();
        let mut people = HashMap::new();
        for row in rows {
            let account = self.plan_account(&mut plan, &mut accounts, &row).await?;
            let user = self.plan_person(&mut plan, &mut people, &row).await?;
            let current = match (account, user) {
                (Some(account), Some(user)) => self.store.membership(user, account).await?,
                _ => None,
            };
            plan.memberships.push(MembershipStep { row, current });
        }
        Ok(plan)
    }

    /// Refuses, as bad rows, the rows that would leave an existing account without an active
    /// owner: found here, so that the file is refused before anything is written rather than
    /// halfway through.
    async fn check_owners(&self, plan: &Plan, now: Timestamp) -> Result<(), ImportError> {
        let demoting: Vec<&MembershipStep> = plan
            .memberships
            .iter()
            .filter(|step| {
                step.row.role == Role::Employee && matches!(step.current, Some((Role::Owner, _)))
            })
            .collect();
        let mut bad = Vec::new();
        let mut checked = HashMap::new();
        for step in &demoting {
            let Some(account) = plan.account_id(&step.row.account) else {
                continue;
            };
            let owners_left = match checked.get(&account) {
                Some(owners_left) => *owners_left,
                None => {
                    let owners_left = self.owners_left(plan, account, now).await?;
                    checked.insert(account, owners_left);
                    owners_left
                }
            };
            if owners_left == 0 {
                bad.push(BadRow {
                    line: step.row.line,
                    reason: format!(
                        "this would leave {} without an owner; make someone else an owner first",
                        step.row.account
                    ),
                });
            }
        }
        if bad.is_empty() {
            Ok(())
        } else {
            Err(ImportError::BadRows(bad))
        }
    }

    /// How many active owners `account` has once the file's rows for it are applied.
    async fn owners_left(&self, plan: &Plan, account: AccountId, now: Timestamp) -> Result<usize> {
        let members = self.store.list_account_members(account, now).await?;
        let rows: Vec<&Row> = plan
            .memberships
            .iter()
            .map(|step| &step.row)
            .filter(|row| plan.account_id(&row.account) == Some(account))
            .collect();
        let kept = members
            .iter()
            .filter(|member| member.role == Role::Owner && !member.deactivated)
            .filter(|member| {
                !rows
                    .iter()
                    .any(|row| row.email == member.email && row.role == Role::Employee)
            })
            .count();
        let made = rows
            .iter()
            .filter(|row| row.role == Role::Owner)
            .filter(|row| {
                !members
                    .iter()
                    .any(|member| member.email == row.email && member.role == Role::Owner)
            })
            .count();
        Ok(kept + made)
    }

    /// The account a row names, by its exact name; the first row naming it plans it.
    async fn plan_account(
        &self,
        plan: &mut Plan,
        seen: &mut HashMap<String, Option<AccountId>>,
        row: &Row,
    ) -> Result<Option<AccountId>> {
        if let Some(known) = seen.get(&row.account) {
            return Ok(*known);
        }
        let existing = self.store.account_by_name(&row.account).await?;
        seen.insert(row.account.clone(), existing);
        plan.accounts.push(AccountStep {
            name: row.account.clone(),
            existing,
        });
        Ok(existing)
    }

    /// The person a row names, by email; the first row naming them plans them.
    async fn plan_person(
        &self,
        plan: &mut Plan,
        seen: &mut HashMap<String, Option<UserId>>,
        row: &Row,
    ) -> Result<Option<UserId>> {
        if let Some(known) = seen.get(&row.email) {
            return Ok(*known);
        }
        let existing = self.store.person_by_email(&row.email).await?;
        let user = existing.as_ref().map(|person| person.id);
        seen.insert(row.email.clone(), user);
        plan.people.push(PersonStep {
            name: row.name.clone(),
            email: row.email.clone(),
            existing,
        });
        Ok(user)
    }

    /// Writes what the plan found missing or different: accounts, then people, then
    /// memberships, which need both.
    async fn carry_out(&self, plan: Plan, now: Timestamp) -> Result<ImportReport> {
        let mut report = ImportReport::default();
        // Imported people sign in through the web app: a database that has only ever seen the
        // command line lacks it.
        self.ensure_web_application(now).await?;
        let accounts = self
            .put_accounts(plan.accounts, &mut report.accounts, now)
            .await?;
        let people = self.put_people(plan.people, &mut report, now).await?;
        for step in plan.memberships {
            let account = *planned(&accounts, &step.row.account)?;
            let person = planned(&people, &step.row.email)?;
            let outcome = self.put_membership(step, account, person, now).await?;
            report.memberships.add(outcome);
        }
        Ok(report)
    }

    async fn put_accounts(
        &self,
        steps: Vec<AccountStep>,
        counts: &mut Counts,
        now: Timestamp,
    ) -> Result<HashMap<String, AccountId>> {
        let mut ids = HashMap::new();
        for step in steps {
            let id = match step.existing {
                Some(id) => {
                    counts.add(Outcome::Unchanged);
                    id
                }
                None => {
                    let id = self.new_account(Author::Operator, &step.name, now).await?;
                    counts.add(Outcome::Created);
                    id
                }
            };
            ids.insert(step.name, id);
        }
        Ok(ids)
    }

    /// Creates, renames or keeps each person; new people's links go into the report.
    async fn put_people(
        &self,
        steps: Vec<PersonStep>,
        report: &mut ImportReport,
        now: Timestamp,
    ) -> Result<HashMap<String, Known>> {
        let mut known = HashMap::new();
        for step in steps {
            let (person, outcome) = match step.existing {
                None => {
                    let user = self
                        .create_imported(&step.name, &step.email, report, now)
                        .await?;
                    (Known::new(user, step.name), Outcome::Created)
                }
                Some(existing) => self.keep_or_rename(existing, step.name, now).await?,
            };
            report.people.add(outcome);
            known.insert(step.email, person);
        }
        Ok(known)
    }

    /// A new person without a password, and the link with which they set one.
    async fn create_imported(
        &self,
        name: &str,
        email: &str,
        report: &mut ImportReport,
        now: Timestamp,
    ) -> Result<UserId> {
        let user = self
            .new_person(Author::Operator, name, email, false, false, now)
            .await?;
        let link = self
            .issue_password_link(Author::Operator, user, None, now)
            .await?;
        report.links.push((email.to_owned(), link));
        Ok(user)
    }

    /// Someone Sessionboard knows by the row's email: renamed if the file spells their name
    /// differently, else left as they are.
    async fn keep_or_rename(
        &self,
        person: PersonView,
        name: String,
        now: Timestamp,
    ) -> Result<(Known, Outcome)> {
        // Someone deactivated stays so, name and all: letting a person back in is an admin's
        // decision, not a side effect of their name on a roster. Their memberships still follow
        // the file, and count once they are reactivated.
        if person.deactivated_at.is_some() || person.name == name {
            return Ok((Known::new(person.id, person.name), Outcome::Unchanged));
        }
        self.apply(
            Author::Operator,
            DirectoryChange::EditPerson {
                user: person.id,
                name: &name,
                email: &person.email,
            },
            ChangeKind::PersonEdited,
            About {
                user: Some(person.id),
                ..About::default()
            },
            format!(
                "{} <{email}> → {name} <{email}>",
                person.name,
                email = person.email
            ),
            now,
        )
        .await?;
        Ok((Known::new(person.id, name), Outcome::Updated))
    }

    /// Adds the membership, or changes its role or job label, or leaves it as it is.
    /// (`put_member` would always write, and a second run must not.)
    async fn put_membership(
        &self,
        step: MembershipStep,
        account: AccountId,
        person: &Known,
        now: Timestamp,
    ) -> Result<Outcome> {
        let row = &step.row;
        let (kind, outcome, detail) = match &step.current {
            None => (
                ChangeKind::MembershipAdded,
                Outcome::Created,
                format!(
                    "added {} to {} as {}{}",
                    person.name,
                    row.account,
                    row.role.as_str(),
                    labelled(&row.job_label)
                ),
            ),
            Some((role, label)) if *role == row.role && *label == row.job_label => {
                return Ok(Outcome::Unchanged);
            }
            Some((role, label)) => (
                ChangeKind::MembershipChanged,
                Outcome::Updated,
                format!(
                    "{}: role {} → {}, job label “{label}” → “{}”",
                    person.name,
                    role.as_str(),
                    row.role.as_str(),
                    row.job_label
                ),
            ),
        };
        self.apply(
            Author::Operator,
            DirectoryChange::PutMembership {
                user: person.user,
                account,
                role: row.role,
                job_label: &row.job_label,
            },
            kind,
            About {
                account: Some(account),
                user: Some(person.user),
                ..About::default()
            },
            detail,
            now,
        )
        .await?;
        Ok(outcome)
    }
}

/// The columns a roster has, in any order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Account,
    Name,
    Email,
    Role,
    JobLabel,
}

impl Column {
    const ALL: [Column; 5] = [
        Self::Account,
        Self::Name,
        Self::Email,
        Self::Role,
        Self::JobLabel,
    ];

    fn title(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Name => "name",
            Self::Email => "email",
            Self::Role => "role",
            Self::JobLabel => "job label",
        }
    }

    /// A header cell as people write it: any case, spaces around, "job label" also as
    /// "job_label" or "job-label".
    fn parse(cell: &str) -> Option<Self> {
        let cell = cell.trim().to_lowercase().replace(['_', '-'], " ");
        Self::ALL.into_iter().find(|column| column.title() == cell)
    }
}

const COLUMN_LIST: &str = "account, name, email, role, job label";

/// Where each column is in the file's rows.
struct Layout([usize; Column::ALL.len()]);

impl Layout {
    /// Reads the header row: every column once, and nothing else. A wrong header is one
    /// error, not one per row below it.
    fn of(header: &csv::StringRecord) -> Result<Self, ImportError> {
        if header.is_empty() {
            return Err(ImportError::Unreadable(format!(
                "the file is empty: its first line must name the columns {COLUMN_LIST}"
            )));
        }
        let mut found = [None; Column::ALL.len()];
        for (index, cell) in header.iter().enumerate() {
            // Spreadsheets often save UTF-8 with a byte order mark, which is no whitespace.
            let cell = cell.trim_start_matches('\u{feff}');
            let column = Column::parse(cell).ok_or_else(|| {
                header_error(format!(
                    "unknown column {:?} (the columns are {COLUMN_LIST})",
                    cell.trim()
                ))
            })?;
            if found[column as usize].replace(index).is_some() {
                return Err(header_error(format!(
                    "the column {:?} is there twice",
                    column.title()
                )));
            }
        }
        let mut positions = [0; Column::ALL.len()];
        let mut missing = Vec::new();
        for column in Column::ALL {
            match found[column as usize] {
                Some(index) => positions[column as usize] = index,
                None => missing.push(format!("{:?}", column.title())),
            }
        }
        if !missing.is_empty() {
            let noun = if missing.len() == 1 {
                "column"
            } else {
                "columns"
            };
            return Err(header_error(format!(
                "the header lacks the {noun} {}",
                missing.join(", ")
            )));
        }
        Ok(Self(positions))
    }

    /// A row's cells by column, or `None` for a row with nothing in it: spreadsheets export
    /// trailing empty rows as bare commas.
    fn cells(&self, record: &csv::StringRecord) -> Option<Cells> {
        if record.iter().all(|cell| cell.trim().is_empty()) {
            return None;
        }
        // The reader is not flexible: every row has as many cells as the header.
        let cell = |column: Column| record.get(self.0[column as usize]).unwrap_or_default();
        Some(Cells {
            line: record.position().map_or(0, csv::Position::line),
            account: cell(Column::Account).to_owned(),
            name: cell(Column::Name).to_owned(),
            email: cell(Column::Email).to_owned(),
            role: cell(Column::Role).to_owned(),
            job_label: cell(Column::JobLabel).to_owned(),
        })
    }
}

fn header_error(reason: String) -> ImportError {
    ImportError::Unreadable(format!("line 1: {reason}"))
}

/// A row as the file has it.
struct Cells {
    line: u64,
    account: String,
    name: String,
    email: String,
    role: String,
    job_label: String,
}

/// The file's rows, and those not even of the right shape.
struct Parsed {
    rows: Vec<Cells>,
    bad: Vec<BadRow>,
}

/// Reads the whole file. Only a file that cannot be read, or whose header is wrong, is refused
/// outright; a malformed row is noted and reading goes on, so that every one is reported.
fn parse(reader: impl Read) -> Result<Parsed, ImportError> {
    let mut file = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(reader);
    let header = file
        .headers()
        .map_err(|error| ImportError::Unreadable(unreadable(&error)))?
        .clone();
    let layout = Layout::of(&header)?;
    let mut parsed = Parsed {
        rows: Vec::new(),
        bad: Vec::new(),
    };
    for record in file.records() {
        match record {
            Ok(record) => parsed.rows.extend(layout.cells(&record)),
            Err(error) => parsed.bad.push(malformed(&error)?),
        }
    }
    Ok(parsed)
}

/// A row the reader could not take, or, for a failure of the file itself, the refusal.
fn malformed(error: &csv::Error) -> Result<BadRow, ImportError> {
    let line = error.position().map_or(0, csv::Position::line);
    let reason = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} cells, but the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => NOT_UTF8.to_owned(),
        _ => return Err(ImportError::Unreadable(unreadable(error))),
    };
    Ok(BadRow { line, reason })
}

const NOT_UTF8: &str = "not UTF-8 text (save the file as \"CSV UTF-8\")";

fn unreadable(error: &csv::Error) -> String {
    match (error.kind(), error.position()) {
        (csv::ErrorKind::Utf8 { .. }, Some(position)) => {
            format!("line {}: {NOT_UTF8}", position.line())
        }
        _ => format!("the file cannot be read: {error}"),
    }
}

/// A row after checking: trimmed, the email lower-cased.
struct Row {
    line: u64,
    account: String,
    name: String,
    email: String,
    role: Role,
    job_label: String,
}

/// Checks every row, then the rows against each other; any bad row refuses the whole file,
/// with every bad row in the file's order.
fn validate(parsed: Parsed) -> Result<Vec<Row>, ImportError> {
    let mut bad = parsed.bad;
    // Who each row names, also for rows wrong in another cell: one email under two names is
    // reported even where one of the two rows has a mistake of its own.
    let identities: Vec<(u64, String, String)> = parsed
        .rows
        .iter()
        .filter_map(|cells| {
            let name = checked_name(&cells.name, "", "").ok()?;
            let email = checked_email(&cells.email).ok()?;
            Some((cells.line, name, email))
        })
        .collect();
    let mut rows = Vec::with_capacity(parsed.rows.len());
    for cells in parsed.rows {
        match checked_row(cells) {
            Ok(row) => rows.push(row),
            Err(row) => bad.push(row),
        }
    }
    bad.extend(two_names(&identities));
    bad.extend(contradictions(&rows));
    if bad.is_empty() {
        Ok(rows)
    } else {
        Err(ImportError::BadRows(one_per_row(bad)))
    }
}

/// One email under two names: which is the person's? The later row is the bad one.
fn two_names(identities: &[(u64, String, String)]) -> Vec<BadRow> {
    let mut names: HashMap<&str, (&str, u64)> = HashMap::new();
    let mut bad = Vec::new();
    for (line, name, email) in identities {
        let (first_name, first) = *names
            .entry(email.as_str())
            .or_insert((name.as_str(), *line));
        if first_name != name {
            bad.push(BadRow {
                line: *line,
                reason: format!("{email} is {first_name:?} on line {first}, but {name:?} here"),
            });
        }
    }
    bad
}

/// Bad rows in the file's order, each line once with all its reasons.
fn one_per_row(mut bad: Vec<BadRow>) -> Vec<BadRow> {
    bad.sort_by_key(|row| row.line);
    let mut merged: Vec<BadRow> = Vec::with_capacity(bad.len());
    for row in bad {
        match merged.last_mut() {
            Some(last) if last.line == row.line => {
                last.reason.push_str("; ");
                last.reason.push_str(&row.reason);
            }
            _ => merged.push(row),
        }
    }
    merged
}

/// A row's cells checked as the admin pages check them; a row with several mistakes lists
/// them all.
fn checked_row(cells: Cells) -> Result<Row, BadRow> {
    let mut reasons = Vec::new();
    let mut check = |column, checked: Result<String>| {
        checked
            .map_err(|error| reasons.push(reason(column, error)))
            .ok()
    };
    let account = check(
        Column::Account,
        checked_name(
            &cells.account,
            "an account name is required",
            "the account name is too long",
        ),
    );
    let name = check(
        Column::Name,
        checked_name(&cells.name, "a name is required", "the name is too long"),
    );
    let email = check(Column::Email, checked_email(&cells.email));
    let job_label = check(Column::JobLabel, job_label(&cells.job_label));
    let role = Role::parse(&cells.role.trim().to_lowercase());
    if role.is_none() {
        reasons.push(format!(
            "unknown role {:?} (owner or employee)",
            cells.role.trim()
        ));
    }
    match (account, name, email, role, job_label) {
        (Some(account), Some(name), Some(email), Some(role), Some(job_label)) => Ok(Row {
            line: cells.line,
            account,
            name,
            email,
            role,
            job_label,
        }),
        _ => Err(BadRow {
            line: cells.line,
            reason: reasons.join("; "),
        }),
    }
}

/// What was wrong with one cell, for the person fixing the file. The engine's messages name
/// their field ("the email address is not valid"), except the one for control characters,
/// which gets the column in front.
fn reason(column: Column, error: Error) -> String {
    match error {
        Error::InvalidInput(why) if why.contains(column.title()) => why.to_owned(),
        Error::InvalidInput(why) => format!("{}: {why}", column.title()),
        other => other.to_string(),
    }
}

/// Rows that cannot both be true: one person twice in one account (which role counts?). The
/// later row is the bad one, and names the earlier.
fn contradictions(rows: &[Row]) -> Vec<BadRow> {
    let mut names: HashMap<&str, &str> = HashMap::new();
    let mut memberships: HashMap<(&str, &str), u64> = HashMap::new();
    let mut bad = Vec::new();
    for row in rows {
        // Two names for one email are reported by `two_names`.
        if *names.entry(row.email.as_str()).or_insert(row.name.as_str()) != row.name {
            continue;
        }
        let first = *memberships
            .entry((row.account.as_str(), row.email.as_str()))
            .or_insert(row.line);
        if first != row.line {
            bad.push(BadRow {
                line: row.line,
                reason: format!(
                    "{} is already in {:?} on line {first}",
                    row.email, row.account
                ),
            });
        }
    }
    bad
}

/// What the database holds for the file's rows, looked up before anything is written.
#[derive(Default)]
struct Plan {
    /// Each account once, in the file's order.
    accounts: Vec<AccountStep>,
    /// Each person once, in the file's order.
    people: Vec<PersonStep>,
    memberships: Vec<MembershipStep>,
}

impl Plan {
    /// An existing account the file names.
    fn account_id(&self, name: &str) -> Option<AccountId> {
        self.accounts
            .iter()
            .find(|step| step.name == name)
            .and_then(|step| step.existing)
    }
}

struct AccountStep {
    name: String,
    /// `None`: to be created.
    existing: Option<AccountId>,
}

struct PersonStep {
    name: String,
    email: String,
    /// `None`: to be created.
    existing: Option<PersonView>,
}

struct MembershipStep {
    row: Row,
    /// The role and job label the person has there now; `None` for no membership yet (or a
    /// new account or person).
    current: Option<(Role, String)>,
}

/// A person once the people are written: who they are, and their name for the audit log.
struct Known {
    user: UserId,
    name: String,
}

impl Known {
    fn new(user: UserId, name: String) -> Self {
        Self { user, name }
    }
}

#[derive(Clone, Copy, Debug)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

impl Counts {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }
}

/// What an earlier step wrote for `key`: every row's account and person is planned, so a
/// miss is a bug here, not a mistake in the file.
fn planned<'a, T>(written: &'a HashMap<String, T>, key: &str) -> Result<&'a T> {
    written
        .get(key)
        .ok_or_else(|| Error::Internal(format!("the import planned nothing for {key:?}")))
}

/// ", job label “Purchasing”", or nothing for no label.
fn labelled(job_label: &str) -> String {
    if job_label.is_empty() {
        String::new()
    } else {
        format!(", job label “{job_label}”")
    }
}

fn one_per_line(rows: &[BadRow]) -> String {
    rows.iter()
        .map(BadRow::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "account,name,email,role,job label\n";

    fn rows(text: &str) -> Result<Vec<Row>, ImportError> {
        validate(parse(text.as_bytes())?)
    }

    fn bad_lines(text: &str) -> Vec<u64> {
        match rows(text) {
            Err(ImportError::BadRows(bad)) => bad.iter().map(|row| row.line).collect(),
            Err(other) => panic!("{other}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn header_names_are_matched_loosely_and_columns_come_in_any_order() {
        let text = "\u{feff} Email ,ROLE,Job_Label,Name,account\n\
                    Ada@Example.org , Owner ,  Research ,  Ada Lovelace , Analytical \n";
        let parsed = rows(text).unwrap();
        assert_eq!(parsed.len(), 1);
        let ada = &parsed[0];
        assert_eq!(ada.line, 2);
        assert_eq!(ada.account, "Analytical");
        assert_eq!(ada.name, "Ada Lovelace");
        assert_eq!(ada.email, "ada@example.org");
        assert_eq!(ada.role, Role::Owner);
        assert_eq!(ada.job_label, "Research");
        for job_label in ["job label", "job-label", "JOB_LABEL"] {
            let header = format!("account,name,email,role,{job_label}\n");
            assert!(rows(&header).unwrap().is_empty(), "{job_label}");
        }
    }

    #[test]
    fn a_wrong_header_is_one_error_for_line_one() {
        for (header, expected) in [
            ("account,name,email,job label\n", "\"role\""),
            ("account,name,email,role,job label,phone\n", "\"phone\""),
            ("account,name,email,role,job label,email\n", "twice"),
        ] {
            let text = format!("{header}Acme,Ada,ada@example.org,owner\n");
            match rows(&text) {
                Err(ImportError::Unreadable(message)) => {
                    assert!(message.contains(expected), "{header:?}: {message}");
                }
                Err(other) => panic!("{header:?}: {other}"),
                Ok(_) => panic!("{header:?} accepted"),
            }
        }
        match rows("") {
            Err(ImportError::Unreadable(message)) => {
                assert!(message.contains("empty"), "{message}")
            }
            Err(other) => panic!("{other}"),
            Ok(_) => panic!("an empty file accepted"),
        }
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let text = format!(
            "{HEADER}\
             Acme,Ada,ada@example.org,owner,\n\
             Acme,Bob,bob@example.org,boss,\n\
             Acme,Cy,cy.example.org,employee,\n\
             Acme,Cy,\n\
             ,Dee,dee@example.org,employee,\n\
             Acme,Ada,ADA@example.org,employee,\n\
             Other,Ada L.,ada@example.org,employee,\n\
             Acme,Eve\u{7},eve@example.org,employee,\n"
        );
        assert_eq!(bad_lines(&text), [3, 4, 5, 6, 7, 8, 9]);
        let Err(ImportError::BadRows(bad)) = rows(&text) else {
            panic!("refused")
        };
        assert_eq!(
            bad[0].to_string(),
            "line 3: unknown role \"boss\" (owner or employee)"
        );
        assert!(
            bad[1].reason.contains("email address is not valid"),
            "{}",
            bad[1]
        );
        assert!(bad[2].reason.contains("3 cells"), "{}", bad[2]);
        assert!(
            bad[3].reason.contains("account name is required"),
            "{}",
            bad[3]
        );
        assert!(bad[4].reason.contains("on line 2"), "{}", bad[4]);
        assert!(bad[5].reason.contains("on line 2"), "{}", bad[5]);
        assert!(bad[6].reason.starts_with("name: "), "{}", bad[6]);
    }

    #[test]
    fn one_email_under_two_names_is_reported_even_beside_a_row_with_its_own_mistake() {
        let text = format!(
            "{HEADER}\
             Acme,Ada,ada@example.org,boss,\n\
             Acme,Ada Other,ADA@example.org,owner,\n"
        );
        let Err(ImportError::BadRows(bad)) = rows(&text) else {
            panic!("refused")
        };
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(bad[0].reason.contains("unknown role"), "{}", bad[0]);
        assert!(bad[1].reason.contains("on line 2"), "{}", bad[1]);
    }

    #[test]
    fn a_row_lists_all_its_mistakes() {
        let text = format!("{HEADER}Acme,,ada,boss,\n");
        let Err(ImportError::BadRows(bad)) = rows(&text) else {
            panic!("refused")
        };
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].reason.matches("; ").count(), 2, "{}", bad[0]);
    }

    #[test]
    fn empty_rows_are_skipped() {
        let text = format!("{HEADER}Acme,Ada,ada@example.org,owner,\n,,,,\n , , , , \n");
        assert_eq!(rows(&text).unwrap().len(), 1);
    }

    #[test]
    fn a_job_label_may_be_empty_but_not_too_long() {
        let long = "j".repeat(crate::service::MAX_JOB_LABEL_CHARS + 1);
        let text = format!("{HEADER}Acme,Ada,ada@example.org,owner,{long}\n");
        assert_eq!(bad_lines(&text), [2]);
    }

    #[test]
    fn bad_rows_print_one_per_line() {
        let error = ImportError::BadRows(vec![
            BadRow {
                line: 3,
                reason: "a name is required".into(),
            },
            BadRow {
                line: 7,
                reason: "unknown role \"boss\" (owner or employee)".into(),
            },
        ]);
        assert_eq!(
            error.to_string(),
            "line 3: a name is required\nline 7: unknown role \"boss\" (owner or employee)"
        );
    }
}
