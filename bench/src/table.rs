//! The table the benchmark prints: one row per measurement, a column per database.

/// One row of the table: a measurement per database (or one for both), and its target.
pub struct Row {
    what: String,
    sqlite: String,
    postgres: String,
    target: &'static str,
}

pub fn row(what: impl Into<String>, sqlite: String, postgres: String, target: &'static str) -> Row {
    Row {
        what: what.into(),
        sqlite,
        postgres,
        target,
    }
}

pub fn print_table(rows: &[Row]) {
    let header = Row {
        what: "measurement".into(),
        sqlite: "SQLite".into(),
        postgres: "PostgreSQL".into(),
        target: "target",
    };
    let width =
        |pick: &dyn Fn(&Row) -> usize| rows.iter().chain([&header]).map(pick).max().unwrap_or(0);
    let widths = [
        width(&|r| r.what.chars().count()),
        width(&|r| r.sqlite.chars().count()),
        width(&|r| r.postgres.chars().count()),
        width(&|r| r.target.chars().count()),
    ];
    let line = |r: &Row| {
        format!(
            "| {:w0$} | {:w1$} | {:w2$} | {:w3$} |",
            r.what,
            r.sqlite,
            r.postgres,
            r.target,
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3]
        )
    };
    println!();
    println!("{}", line(&header));
    println!(
        "|{}|{}|{}|{}|",
        "-".repeat(widths[0] + 2),
        "-".repeat(widths[1] + 2),
        "-".repeat(widths[2] + 2),
        "-".repeat(widths[3] + 2)
    );
    for r in rows {
        println!("{}", line(r));
    }
}
